// `bun run cli train-bpe`: trains a byte-level BPE tokenizer (CS336 `train_bpe`) and writes vocab.json,
// merges.txt and tokenizer.json into --out as one unit, only after training succeeded; an existing
// tokenizer there is replaced only with --force, and an --out that cannot be created fails before
// training. Live progress goes to stderr (redrawn on a TTY, a line every ~10 s otherwise); the summary
// goes to stdout.
import { checkTokenizerFolder, saveTokenizerFiles, type TrainProgress, trainBpe } from "@cs336-ts/tokenizer";
import { createStatusLine } from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { type FlagSpecs, parseFlags, UsageError } from "../flags.ts";

const flags = {
  input: {
    type: "strings",
    help: "text file to train on (repeat for several; each is its own document)",
    required: true,
  },
  "vocab-size": {
    type: "number",
    integer: true,
    help: "total vocabulary: 256 bytes + merges + special tokens",
    required: true,
  },
  "special-token": { type: "strings", help: "special token, never merged and never split (repeatable)", default: [] },
  out: { type: "string", help: "folder for vocab.json, merges.txt and tokenizer.json", required: true },
  workers: { type: "number", integer: true, help: "pre-tokenization Workers (0 = main thread; default: auto)" },
  force: { type: "boolean", help: "replace a tokenizer already in --out" },
} satisfies FlagSpecs;

const MB = 1e6;

function progressPrinter(): { update(p: TrainProgress): void; done(): void } {
  const status = createStatusLine(
    { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true },
    { ttyEveryMs: 100, logEveryMs: 10_000 },
  );
  let lastPhase = "";
  const line = (p: TrainProgress) =>
    p.phase === "pretokenize"
      ? `pre-tokenizing: ${(p.bytesDone / MB).toFixed(1)} / ${(p.bytesTotal / MB).toFixed(1)} MB, ${(p.bytesDone / MB / Math.max(p.seconds, 1e-3)).toFixed(1)} MB/s`
      : `merging: ${p.mergesDone} / ${p.mergesTotal} merges`;
  return {
    update(p) {
      const final = p.phase === "pretokenize" ? p.bytesDone === p.bytesTotal : p.mergesDone === p.mergesTotal;
      // A phase's first and last states always show; each phase's final state stays on screen.
      status.show(line(p), final || p.phase !== lastPhase);
      lastPhase = p.phase;
      if (final) status.done();
    },
    done: () => status.done(),
  };
}

/** Fails before any training when --out cannot become the tokenizer folder, or holds one and no --force. */
function checkOutFolder(out: string, force: boolean): void {
  if (checkTokenizerFolder(out, `--out ${out}`) === "tokenizer" && !force) {
    throw new Error(`--out ${out} already holds a tokenizer; pass --force to replace it`);
  }
}

const command: Command = {
  usage:
    "train-bpe --input FILE [--input FILE…] --vocab-size N [--special-token TOK…] --out DIR [--force] [--workers N]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    if (f._.length > 0) throw new UsageError(`unexpected argument "${f._[0]}" (give input files with --input)`);
    const input = f.input as string[];
    const vocabSize = f["vocab-size"] as number;
    const specialTokens = f["special-token"] ?? [];
    const out = f.out as string;
    checkOutFolder(out, f.force === true);
    const progress = progressPrinter();
    const t0 = performance.now();
    // The folder is written synchronously (a sibling folder swapped in), so a signal is handled only before
    // or after it: training is abandoned with nothing on disk, and no temporary folder is left behind.
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\ninterrupted (${sig}); nothing was written\n`);
      process.exit(sig === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    let result: Awaited<ReturnType<typeof trainBpe>>;
    let paths: ReturnType<typeof saveTokenizerFiles>;
    let tWrite: number;
    try {
      result = await trainBpe({
        input,
        vocabSize,
        specialTokens,
        ...(f.workers !== undefined ? { workers: f.workers } : {}),
        onProgress: (p) => progress.update(p),
      });
      progress.done();
      // Training ran in a WASM instance of its own, whose memory (it never shrinks) is returned only when
      // collected: collected now, it is not counted twice with the writer's in the peak.
      Bun.gc(true);
      tWrite = performance.now();
      paths = saveTokenizerFiles(out, result.vocab, result.merges, specialTokens, { overwrite: f.force === true });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    const writeSeconds = (performance.now() - tWrite) / 1000;
    const s = result.stats;
    // Only the first 60 characters: text without whitespace makes tokens of megabytes (one letter: 16 MB).
    let [longA, longB]: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
    for (const [a, b] of result.merges) if (a.length + b.length > longA.length + longB.length) [longA, longB] = [a, b];
    const longBytes = longA.length + longB.length;
    const head = new Uint8Array(Math.min(240, longBytes));
    head.set(longA.subarray(0, 240));
    if (longA.length < 240) head.set(longB.subarray(0, 240 - longA.length), longA.length);
    const longChars = Array.from(new TextDecoder().decode(head));
    const longest = `${JSON.stringify(longChars.slice(0, 60).join(""))}${longChars.length > 60 || longBytes > head.length ? "…" : ""}`;
    const maxRssMb = (process.resourceUsage().maxRSS * 1024) / MB;
    const lines = [
      `trained ${result.vocab.size} tokens (${result.merges.length} merges, ${specialTokens.length} special) on ${(s.bytes / MB).toFixed(1)} MB`,
      `  pre-tokenize  ${s.pretokenizeSeconds.toFixed(2)} s  (${(s.bytes / MB / s.pretokenizeSeconds).toFixed(1)} MB/s, ${s.workers} worker${s.workers === 1 ? "" : "s"}, ${s.distinctPretokens} distinct pre-tokens)`,
      `  merge         ${s.mergeSeconds.toFixed(2)} s`,
      `  write         ${writeSeconds.toFixed(2)} s`,
      `  total         ${((performance.now() - t0) / 1000).toFixed(2)} s, peak RSS ${maxRssMb.toFixed(0)} MB`,
      `  longest token ${longest} (${longBytes} bytes)`,
      `wrote ${paths.vocab}, ${paths.merges}, ${paths.tokenizer}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  },
};

export default command;
