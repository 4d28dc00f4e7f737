// `bun bench/encode.ts [--mb N] [--full] [--rss]`: encoding with the GPT-2 vocab, side by side in one run
// with tiktoken (npm, WASM) and Hugging Face tokenizers (npm, native) on the same text (the first N MB of
// ../shared/data/bench_mixed_english_45M.txt, default 8; --full for all of it): import-to-ready time,
// single-thread MB/s and ratios (ids checked equal to tiktoken's), file throughput with 1 and 2 Workers,
// and with --rss the peak RSS of streaming-encoding the 450 MB concatenation (10 copies). JSON lines + table.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const mbArg = args.indexOf("--mb");
const MB = 1e6;
const ROOT = resolve(import.meta.dir, "..");
const DATA = resolve(ROOT, "../shared/data/bench_mixed_english_45M.txt");
const VOCAB = resolve(ROOT, "../shared/fixtures/cs336/gpt2_vocab.json");
const MERGES = resolve(ROOT, "../shared/fixtures/cs336/gpt2_merges.txt");
const GPT2_JSON = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
if (!existsSync(DATA)) {
  console.error(`error: ${DATA} not found; put the benchmark corpus in ../shared/data`);
  process.exit(2);
}

const rows: Array<[string, string]> = [];
function report(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "encode", name, value: Number(value.toFixed(3)), unit, ...extra }));
  rows.push([name, `${value.toFixed(unit === "ms" ? 1 : 2)} ${unit}`]);
}

/** Runs `code` in a fresh Bun process (cold module cache) and returns its stdout. */
function child(code: string): string {
  // Inside the repo (.cache is ignored) so the workspace package resolves.
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  const file = join(ROOT, ".cache", `bench-encode-${process.pid}.ts`);
  writeFileSync(file, code);
  const r = spawnSync("bun", [file], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return r.stdout.trim();
}

// 1. Import to a ready GPT-2 tokenizer, in fresh processes (median of 5).
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
for (const [name, files] of [
  ["tiktoken ranks", `{ tiktoken: ${JSON.stringify(GPT2_JSON)} }`],
  [
    "vocab.json + merges.txt",
    `{ vocab: ${JSON.stringify(VOCAB)}, merges: ${JSON.stringify(MERGES)}, specialTokens: ["<|endoftext|>"] }`,
  ],
] as const) {
  if (name !== "tiktoken ranks" && !existsSync(VOCAB)) continue;
  const ms = Array.from({ length: 5 }, () =>
    child(`const t0 = performance.now();
const c0 = process.cpuUsage();
const { Tokenizer } = await import("@cs336-ts/tokenizer");
const tok = Tokenizer.fromFiles(${files});
tok.encode("ready");
const c = process.cpuUsage(c0);
console.log(performance.now() - t0, (c.user + c.system) / 1000);`)
      .split(" ")
      .map(Number),
  );
  const wall = ms.map((m) => m[0] as number);
  const cpu = ms.map((m) => m[1] as number);
  report(`import→ready (${name})`, median(wall), "ms", { runs: wall.map((m) => Number(m.toFixed(1))) });
  // CPU time is less distorted than wall time when other work shares the cores.
  report(`import→ready CPU (${name})`, median(cpu), "ms", { runs: cpu.map((m) => Number(m.toFixed(1))) });
}

// 2. Single thread, same text for all three.
const { Tokenizer, encodeFile } = await import("@cs336-ts/tokenizer");
const { get_encoding } = await import("tiktoken");
const { Tokenizer: HfTokenizer } = await import("tokenizers");
const size = statSync(DATA).size;
const want = flag("full") ? size : Math.min(size, (mbArg >= 0 ? Number(args[mbArg + 1]) : 8) * MB);
const fd = openSync(DATA, "r");
const buf = new Uint8Array(want);
readSync(fd, buf, 0, want, 0);
closeSync(fd);
const text = new TextDecoder().decode(buf).replace(/\uFFFD$/, ""); // a character cut at the end
const bytes = Buffer.byteLength(text);
const time = async (f: () => unknown) => {
  const t0 = performance.now();
  const r = await f();
  return { r, s: (performance.now() - t0) / 1000 };
};

const ours = Tokenizer.fromFiles({ tiktoken: GPT2_JSON });
// Warm up both WASM engines' optimizing tiers on 2 MB before timing (JSC tiers up between calls).
const warm = text.slice(0, 2_000_000);
for (let i = 0; i < 3; i++) ours.encode(warm);
const a = await time(() => ours.encode(text));
const oursIds = a.r as Uint32Array;
const tk = get_encoding("gpt2");
for (let i = 0; i < 2; i++) tk.encode(warm, "all");
const b = await time(() => tk.encode(text, "all"));
const tkIds = b.r as Uint32Array;
const same = oursIds.length === tkIds.length && oursIds.every((x, i) => x === tkIds[i]);
tk.free();
const hfJson = join(tmpdir(), `bench-gpt2-${process.pid}.json`);
// HF needs a tokenizer.json: write GPT-2's from the CS336 files when present, else skip HF.
let hfMbs = Number.NaN;
let hfChunkedMbs = Number.NaN;
if (existsSync(VOCAB)) {
  const { loadVocabMerges, tokenizerJson } = await import("@cs336-ts/tokenizer");
  const { vocab, merges } = loadVocabMerges(VOCAB, MERGES, ["<|endoftext|>"]);
  writeFileSync(hfJson, tokenizerJson(vocab, merges, ["<|endoftext|>"]));
  const hf = HfTokenizer.fromFile(hfJson);
  await hf.encode(text.slice(0, 100_000));
  const c = await time(() => hf.encode(text));
  hfMbs = bytes / MB / c.s;
  const hfIds = (c.r as { getIds(): number[] }).getIds();
  const hfSame = hfIds.length === oursIds.length && hfIds.every((x, i) => x === oursIds[i]);
  console.log(JSON.stringify({ bench: "encode", name: "hf ids equal ours", value: hfSame }));
  // HF is far slower on one huge string than on document-sized ones: also time 100 kB pieces, one by one.
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += 100_000) pieces.push(text.slice(i, i + 100_000));
  const d = await time(async () => {
    for (const p of pieces) await hf.encode(p);
  });
  hfChunkedMbs = bytes / MB / d.s;
}
const oursMbs = bytes / MB / a.s;
const tkMbs = bytes / MB / b.s;
report("ours single-thread", oursMbs, "MB/s", { bytes, tokens: oursIds.length, idsEqualTiktoken: same });
report("tiktoken (npm WASM) single-thread", tkMbs, "MB/s");
report("HF tokenizers (npm native) encode", hfMbs, "MB/s");
report("ours / tiktoken", oursMbs / tkMbs, "x");
report("HF tokenizers encode, 100 kB pieces", hfChunkedMbs, "MB/s");
report("ours / HF tokenizers (whole text)", oursMbs / hfMbs, "x");
report("ours / HF tokenizers (100 kB pieces)", oursMbs / hfChunkedMbs, "x");
if (!same) console.error("error: ids differ from tiktoken's on the benchmark text");

// 3. File throughput with Workers (whole file; the CLI's path minus the .npy writer).
for (const workers of [1, 2]) {
  let tokens = 0;
  const r = await encodeFile({
    input: DATA,
    files: { tiktoken: GPT2_JSON },
    workers,
    onIds: (ids) => {
      tokens += ids.length;
    },
  });
  report(
    `encodeFile ${workers} worker${workers > 1 ? "s" : ""} (${(size / MB).toFixed(0)} MB file)`,
    r.bytes / MB / r.seconds,
    "MB/s",
    {
      tokens,
      seconds: r.seconds,
    },
  );
}

// 4. Peak RSS while streaming 10 copies of the file (450 MB) through one stream, in a fresh process.
if (flag("rss")) {
  const out = child(`import { openSync, readSync, closeSync, readFileSync } from "node:fs";
const { Tokenizer } = await import("@cs336-ts/tokenizer");
const tok = Tokenizer.fromFiles({ tiktoken: ${JSON.stringify(GPT2_JSON)} });
const s = tok.stream();
const buf = new Uint8Array(1 << 20);
let tokens = 0, total = 0;
const t0 = performance.now();
for (let copy = 0; copy < 10; copy++) {
  const fd = openSync(${JSON.stringify(DATA)}, "r");
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) { tokens += s.pushBytes(buf.subarray(0, n)).length; total += n; }
  closeSync(fd);
}
tokens += s.finish().length;
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
console.log(JSON.stringify({ tokens, total, seconds: (performance.now() - t0) / 1000, peakRssMb: Number(hwm) / 1024 }));`);
  const r = JSON.parse(out) as { tokens: number; total: number; seconds: number; peakRssMb: number };
  report("streaming 450 MB peak RSS", r.peakRssMb, "MB", r);
  report("streaming 450 MB throughput", r.total / MB / r.seconds, "MB/s");
}

console.log(`\n| measurement | value |\n| --- | --- |\n${rows.map(([n, v]) => `| ${n} | ${v} |`).join("\n")}`);
