// bench/train-bpe: our trainer (WASM + Workers) against Hugging Face `tokenizers` (npm) on the same
// corpora in one run, each side in its own child process so wall time and peak RSS are its own.
// Cases (a) corpus.en/500, (b) TinyStories 2 MiB/10k, (c) mixed 45 MB/30k; (d) 450 MB/30k with `d` or --big.
// HF's npm Tokenizer.train takes no trainer options: it always trains its default 30,000-token vocab.
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { copiesOf } from "./_common.ts";

const SHARED = resolve(import.meta.dir, "../../shared");
type Side = "ours" | "hf";
type Measure = { side: Side; seconds: number; maxRssMb: number; vocab: number; pretokMBps?: number; workers?: number };

async function child(side: Side, input: string, vocabSize: number, workers?: number): Promise<Measure> {
  const t0 = performance.now();
  let extra: Partial<Measure> = {};
  let vocab: number;
  if (side === "ours") {
    const { trainBpe } = await import("@cs336-ts/tokenizer");
    const r = await trainBpe({
      input,
      vocabSize,
      specialTokens: ["<|endoftext|>"],
      ...(workers !== undefined ? { workers } : {}),
    });
    vocab = r.vocab.size;
    const w = Math.max(1, r.stats.workers);
    extra = { pretokMBps: r.stats.bytes / 1e6 / r.stats.pretokenizeSeconds / w, workers: r.stats.workers };
  } else {
    const { BPE, Tokenizer, byteLevelPreTokenizer } = await import("tokenizers");
    const tok = new Tokenizer(BPE.empty());
    tok.setPreTokenizer(byteLevelPreTokenizer(false, true));
    tok.train([input]);
    vocab = tok.getVocabSize(true);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { side, seconds, maxRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6, vocab, ...extra };
}

function runChild(side: Side, input: string, vocab: number, workers?: number): Measure {
  const args = [
    "bun",
    import.meta.path,
    "--child",
    side,
    input,
    String(vocab),
    ...(workers !== undefined ? [String(workers)] : []),
  ];
  const p = Bun.spawnSync(args, {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, RAYON_NUM_THREADS: process.env.RAYON_NUM_THREADS },
  });
  if (p.exitCode !== 0) throw new Error(`${side} failed on ${input}: ${p.stderr.toString()}`);
  const line = p.stdout.toString().trim().split("\n").pop() as string;
  return JSON.parse(line) as Measure;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") {
    const [, side, input, vocab, workers] = argv;
    const m = await child(
      side as Side,
      input as string,
      Number(vocab),
      workers !== undefined ? Number(workers) : undefined,
    );
    console.log(JSON.stringify(m));
    return;
  }
  const cases: [string, string, number][] = [
    ["a", "fixtures/cs336/corpus.en", 500],
    ["b", "data/tinystories_v1_train_head_2MiB.txt", 10_000],
    ["c", "data/bench_mixed_english_45M.txt", 30_000],
  ];
  const only = argv.filter((a) => /^[abcd]$/.test(a));
  const rows: string[] = [];
  const todo = cases.filter(([k]) => only.length === 0 || only.includes(k));
  const list: [string, string, number][] = todo.map(([k, rel, v]) => [k, join(SHARED, rel), v]);
  if (argv.includes("--big") || only.includes("d")) {
    const src = join(SHARED, "data/bench_mixed_english_45M.txt");
    if (existsSync(src)) list.push(["d", copiesOf(src, 10, join(tmpdir(), "bench_mixed_english_450M.txt")), 30_000]);
  }
  for (const [k, path, vocab] of list) {
    if (!existsSync(path)) {
      console.error(`skipped (${k}): ${path} not found; place the corpora under ../shared/data`);
      continue;
    }
    const ours = runChild("ours", path, vocab);
    const hf = runChild("hf", path, vocab);
    for (const m of [ours, hf])
      console.log(JSON.stringify({ bench: "train-bpe", case: k, input: path, vocabSize: vocab, ...m }));
    rows.push(
      `| (${k}) | ${path.split("/").pop()} | ${vocab} | ${ours.seconds.toFixed(2)} s | ${ours.maxRssMb.toFixed(0)} MB | ` +
        `${hf.seconds.toFixed(2)} s (${hf.vocab}) | ${hf.maxRssMb.toFixed(0)} MB | ${(hf.seconds / ours.seconds).toFixed(2)}x | ` +
        `${ours.pretokMBps?.toFixed(0)} MB/s × ${ours.workers} |`,
    );
  }
  console.log(
    "\n| case | input | vocab | ours wall | ours peak RSS | HF wall (HF vocab) | HF peak RSS | HF/ours time | pre-tok per worker |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
}

await main();
