// `bun run cli tokstats --tokenizer DIR… --input FILE… [--docs N --seed S]`: CS336's tokenizer_experiments in
// one command. Samples N documents from each input (split on <|endoftext|>), prints each tokenizer's bytes per
// token side by side (one row per input, one column per tokenizer), then each tokenizer's encode throughput
// over all the sampled documents and what that rate means for the Pile (825 GB), as the handout asks.
import { basename } from "node:path";
import { Tokenizer } from "@cs336-ts/tokenizer";
import { formatDuration, measureTokenizer, sampleDocuments } from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { parseFlags, UsageError } from "../flags.ts";
import { noPositionals } from "./inference-flags.ts";

const flags = {
  tokenizer: { type: "strings", required: true, help: "tokenizer folder (train-bpe's output); repeat to compare" },
  input: { type: "strings", required: true, help: "text file of documents separated by <|endoftext|>; repeatable" },
  docs: { type: "number", integer: true, help: "documents sampled from each input", default: 10 },
  seed: { type: "number", integer: true, help: "sampling seed", default: 0 },
} as const;

const PILE_BYTES = 825e9;

/** Column names: folder names, or the paths where two folders share a name. */
function labels(paths: string[]): string[] {
  const names = paths.map((p) => basename(p.replace(/\/+$/, "")) || p);
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? (paths[i] as string) : n));
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("   "))
    .join("\n");
}

const int = (n: number) => n.toLocaleString("en-US");

const pileTime = (s: number) => (s >= 2 * 86400 ? `${(s / 86400).toFixed(1)} days` : formatDuration(s));

const command: Command = {
  usage: "tokstats --tokenizer DIR [--tokenizer DIR …] --input FILE [--input FILE …] [--docs N] [--seed S]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    noPositionals(f);
    const n = f.docs as number;
    if (n < 1) throw new UsageError(`--docs must be >= 1, got ${n}`);
    const inputs = f.input as string[];
    const dirs = f.tokenizer as string[];
    const samples = inputs.map((path) => sampleDocuments(path, n, f.seed as number));
    const tokenizers = dirs.map((dir) => Tokenizer.fromDirectory(dir));
    try {
      const names = labels(dirs);
      const out = process.stdout;
      out.write(`sampled with seed ${f.seed}:\n`);
      inputs.forEach((path, i) => {
        const s = samples[i]!;
        const all = s.docs.length === s.total ? " (all of them)" : "";
        out.write(`  ${path}: ${s.docs.length} of ${int(s.total)} documents${all}\n`);
      });
      const docs = samples.flatMap((s) => s.docs);
      // Throughput first: a tokenizer's first pass over text is the honest one (see measureTokenizer). A
      // throwaway copy of the first tokenizer warms the WASM code up, or the first column would pay for it.
      const warm = Tokenizer.fromDirectory(dirs[0]!);
      measureTokenizer(warm, docs);
      warm.dispose();
      const speeds = tokenizers.map((t) => measureTokenizer(t, docs));
      out.write("\nbytes per token (UTF-8 bytes / tokens; higher compresses better):\n");
      const rows = [["input", "bytes", ...names]];
      samples.forEach((s, i) => {
        const row = tokenizers.map((t) => measureTokenizer(t, s.docs));
        rows.push([basename(inputs[i]!), int(row[0]!.bytes), ...row.map((m) => m.bytesPerToken.toFixed(2))]);
      });
      out.write(`${table(rows)}\n`);
      out.write(`\nencode throughput (all ${docs.length} sampled documents, each encoded once, one thread):\n`);
      const speed = [["tokenizer", "vocab", "tokens", "MB/s", "the Pile (825 GB)"]];
      speeds.forEach((m, i) => {
        speed.push([
          names[i]!,
          int(tokenizers[i]!.vocabSize),
          int(m.tokens),
          (m.bytesPerSecond / 1e6).toFixed(2),
          pileTime(PILE_BYTES / m.bytesPerSecond),
        ]);
      });
      out.write(`${table(speed)}\n`);
      return 0;
    } finally {
      for (const t of tokenizers) t.dispose();
    }
  },
};

export default command;
