// `bun bench/encode.ts [--mb N] [--full] [--runs N] [--rss] [--skip-import] [--only-gpt4]`: encoding with the
// GPT-2 vocab, and with cl100k_base and o200k_base against tiktoken (WASM), js-tiktoken and gpt-tokenizer,
// side by side in one run with tiktoken (npm, WASM) and Hugging Face tokenizers (npm, native) on the same
// text (the first N MB of ../shared/data/bench_mixed_english_45M.txt, default 8; --full for all of it):
// import-to-ready time (fresh processes; workspace sources in Bun, the packed bundle in Bun and Node 20),
// single-thread MB/s and ratios (ids checked equal to tiktoken's and HF's), file throughput with 1 and 2
// Workers, and with --rss the peak RSS of streaming-encoding the 450 MB concatenation (10 copies).
// The team VM is shared: every timed step runs --runs times (default 3) and the median is reported, with
// CPU-time figures beside wall time (CPU time is far less distorted by other work on the cores).
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cpuSeconds, median } from "./_common.ts";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const num = (name: string, d: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : d);
const MB = 1e6;
const RUNS = num("runs", 3);
const ROOT = resolve(import.meta.dir, "..");
const DATA = resolve(ROOT, "../shared/data/bench_mixed_english_45M.txt");
const VOCAB = resolve(ROOT, "../shared/fixtures/cs336/gpt2_vocab.json");
const MERGES = resolve(ROOT, "../shared/fixtures/cs336/gpt2_merges.txt");
const BUNDLE = resolve(ROOT, "packages/tokenizer-rs/dist/index.js");
const GPT2_JSON = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
const NODE = existsSync("/usr/bin/node") ? "/usr/bin/node" : "node";
if (!existsSync(DATA)) {
  console.error(`error: ${DATA} not found; put the benchmark corpus in ../shared/data`);
  process.exit(2);
}

const rows: Array<[string, string]> = [];
function report(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "encode", name, value: Number(value.toFixed(3)), unit, ...extra }));
  rows.push([name, `${value.toFixed(unit === "ms" ? 1 : 2)} ${unit}`]);
}

/** Runs `code` (plain JS, ESM) in a fresh process of `runtime` and returns its stdout. */
function child(code: string, runtime = "bun", env: Record<string, string> = {}): string {
  // Inside the repo (.cache is ignored) so the workspace package resolves.
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  const file = join(ROOT, ".cache", `bench-encode-${process.pid}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(runtime, [file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`child (${runtime}) failed: ${r.stderr}`);
  return r.stdout.trim();
}

// 1. Import to a ready tokenizer (constructed, one encode done), in fresh processes.
if (!flag("skip-import")) {
  const ready = (spec: string, files: string) => `const c0 = process.cpuUsage();
const t0 = performance.now();
const { Tokenizer } = await import(${JSON.stringify(spec)});
const tok = Tokenizer.fromFiles(${files});
tok.encode("ready");
const c = process.cpuUsage(c0);
console.log(performance.now() - t0, (c.user + c.system) / 1000);`;
  const ranks = `{ tiktoken: ${JSON.stringify(GPT2_JSON)} }`;
  const gpt2Files = `{ vocab: ${JSON.stringify(VOCAB)}, merges: ${JSON.stringify(MERGES)}, specialTokens: ["<|endoftext|>"] }`;
  const cases: Array<[string, string, string]> = [
    ["ours, tiktoken ranks, bundle, Node 20", NODE, ready(BUNDLE, ranks)],
    ["ours, tiktoken ranks, bundle, Bun", "bun", ready(BUNDLE, ranks)],
    ["ours, tiktoken ranks, workspace sources, Bun", "bun", ready("@cs336-ts/tokenizer", ranks)],
    [
      "tiktoken npm get_encoding, Bun",
      "bun",
      `const c0 = process.cpuUsage(); const t0 = performance.now();
const { get_encoding } = await import("tiktoken"); const e = get_encoding("gpt2"); e.encode("ready");
const c = process.cpuUsage(c0); console.log(performance.now() - t0, (c.user + c.system) / 1000);`,
    ],
  ];
  if (existsSync(VOCAB)) {
    cases.push(["ours, vocab.json + merges.txt, bundle, Node 20", NODE, ready(BUNDLE, gpt2Files)]);
    cases.push(["ours, vocab.json + merges.txt, bundle, Bun", "bun", ready(BUNDLE, gpt2Files)]);
  }
  if (!existsSync(BUNDLE)) console.error(`note: ${BUNDLE} missing; run \`bun run build\` in packages/tokenizer-rs`);
  for (const [name, runtime, code] of cases) {
    if (code.includes(BUNDLE) && !existsSync(BUNDLE)) continue;
    const ms = Array.from({ length: Math.max(5, RUNS) }, () => child(code, runtime).split(" ").map(Number));
    const wall = ms.map((m) => m[0] as number);
    const cpu = ms.map((m) => m[1] as number);
    report(`import→ready wall (${name})`, median(wall), "ms", { runs: wall.map((m) => Number(m.toFixed(1))) });
    report(`import→ready CPU (${name})`, median(cpu), "ms", { runs: cpu.map((m) => Number(m.toFixed(1))) });
  }
}

// 2. Single thread, same text for all three (--only-gpt4 skips to 2b).
const { Tokenizer, encodeFile, loadVocabMerges, tokenizerJson } = await import("@cs336-ts/tokenizer");
const { get_encoding } = await import("tiktoken");
const size = statSync(DATA).size;
const want = flag("full") ? size : Math.min(size, num("mb", 8) * MB);
const fd = openSync(DATA, "r");
const buf = new Uint8Array(want);
readSync(fd, buf, 0, want, 0);
closeSync(fd);
const text = new TextDecoder().decode(buf).replace(/\uFFFD$/, ""); // a character cut at the end
const bytes = Buffer.byteLength(text);
const mbs = (s: number) => bytes / MB / s;

/** Median wall and CPU seconds of `runs` calls of f (after `warm` untimed calls), and f's last result. */
function timed<T>(f: () => T, runs = RUNS, warm = 1): { wall: number; cpu: number; r: T } {
  let r = f();
  for (let i = 1; i < warm; i++) r = f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    r = f();
    wall.push((performance.now() - t0) / 1000);
    cpu.push(cpuSeconds() - c0);
  }
  return { wall: median(wall), cpu: median(cpu), r };
}

// 2b. cl100k_base and o200k_base, single thread: ours (from tiktoken's encoders/*.json) against tiktoken
// (npm WASM), js-tiktoken and gpt-tokenizer (pure JS), ids checked equal to tiktoken's.
{
  const { Tiktoken } = await import("js-tiktoken/lite");
  for (const name of ["cl100k_base", "o200k_base"] as const) {
    const json = createRequire(import.meta.url).resolve(`tiktoken/encoders/${name}.json`);
    const o = Tokenizer.fromFiles({ tiktoken: json });
    const mine = timed(() => o.encode(text));
    const tk = get_encoding(name);
    const theirs = timed(() => tk.encode(text, "all"));
    tk.free();
    const jsRanks = (await import(`js-tiktoken/ranks/${name}`)).default;
    const js = new Tiktoken(jsRanks);
    const jst = timed(() => js.encode(text, "all"));
    const gpt = (await import(`gpt-tokenizer/encoding/${name}`)) as { encode: (s: string, o?: object) => number[] };
    const gt = timed(() => gpt.encode(text, { allowedSpecial: "all" }));
    const eq = (ids: ArrayLike<number>) =>
      ids.length === theirs.r.length && Array.prototype.every.call(ids, (x: number, i: number) => x === theirs.r[i]);
    report(`${name}: ours single-thread`, mbs(mine.wall), "MB/s", {
      cpuMBs: mbs(mine.cpu),
      idsEqualTiktoken: eq(mine.r),
    });
    report(`${name}: tiktoken (npm WASM)`, mbs(theirs.wall), "MB/s", { cpuMBs: mbs(theirs.cpu) });
    report(`${name}: js-tiktoken`, mbs(jst.wall), "MB/s", { cpuMBs: mbs(jst.cpu), idsEqualTiktoken: eq(jst.r) });
    report(`${name}: gpt-tokenizer`, mbs(gt.wall), "MB/s", { cpuMBs: mbs(gt.cpu), idsEqualTiktoken: eq(gt.r) });
    report(`${name}: ours / tiktoken, CPU`, theirs.cpu / mine.cpu, "x");
    report(`${name}: ours / js-tiktoken, CPU`, jst.cpu / mine.cpu, "x");
    report(`${name}: ours / gpt-tokenizer, CPU`, gt.cpu / mine.cpu, "x");
    if (!eq(mine.r)) console.error(`error: ${name} ids differ from tiktoken's on the benchmark text`);
    o.dispose();
  }
  if (flag("only-gpt4")) {
    console.log(`\n| measurement | value |\n| --- | --- |\n${rows.map(([n, v]) => `| ${n} | ${v} |`).join("\n")}`);
    process.exit(0);
  }
}

// Ours: a fresh encoder (empty pre-token cache) per call, then one kept warm. tiktoken has no cache.
const fresh = timed(() => {
  using t = Tokenizer.fromFiles({ tiktoken: GPT2_JSON });
  return t.encode(text);
});
const ours = Tokenizer.fromFiles({ tiktoken: GPT2_JSON });
const warm = timed(() => ours.encode(text));
const oursIds = warm.r;
const tk = get_encoding("gpt2");
const tkr = timed(() => tk.encode(text, "all"));
const tkIds = tkr.r;
const same = oursIds.length === tkIds.length && oursIds.every((x, i) => x === tkIds[i]);
tk.free();
const checksum = (ids: ArrayLike<number>) => {
  let h = 0;
  for (let i = 0; i < ids.length; i++) h = (Math.imul(h, 31) + (ids[i] as number)) | 0;
  return h;
};
report("ours single-thread, fresh encoder per call", mbs(fresh.wall), "MB/s", { cpuMBs: mbs(fresh.cpu) });
report("ours single-thread, warm encoder", mbs(warm.wall), "MB/s", {
  cpuMBs: mbs(warm.cpu),
  bytes,
  tokens: oursIds.length,
  idsEqualTiktoken: same,
});
report("tiktoken (npm WASM) single-thread", mbs(tkr.wall), "MB/s", { cpuMBs: mbs(tkr.cpu) });
report("ours (fresh) / tiktoken, wall", tkr.wall / fresh.wall, "x");
report("ours (fresh) / tiktoken, CPU", tkr.cpu / fresh.cpu, "x");
report("ours (warm) / tiktoken, wall", tkr.wall / warm.wall, "x");
if (!same) console.error("error: ids differ from tiktoken's on the benchmark text");

// HF tokenizers, in a child process so its thread pool can be pinned: TOKENIZERS_PARALLELISM=false makes
// encodeBatch serial (the single-thread figure), the default uses every core. Its input is the same text
// in ~100 kB pieces (cut at newlines between non-space characters, so no pre-token is split) through encodeBatch in one call: HF's npm
// `encode` of one 8 MB string is much slower (it is built for sentence-sized inputs), which would be unfair.
if (existsSync(VOCAB)) {
  const hfJson = join(tmpdir(), `bench-gpt2-${process.pid}.json`);
  const { vocab, merges } = loadVocabMerges(VOCAB, MERGES, ["<|endoftext|>"]);
  writeFileSync(hfJson, tokenizerJson(vocab, merges, ["<|endoftext|>"]));
  const textFile = join(tmpdir(), `bench-text-${process.pid}.txt`);
  writeFileSync(textFile, text);
  const hfCode = `import { readFileSync } from "node:fs";
const { Tokenizer } = await import("tokenizers");
const text = readFileSync(${JSON.stringify(textFile)}, "utf8");
const pieces = [];
const ws = /\\s/;
for (let i = 0; i < text.length; ) {
  // A newline between two non-space characters ends a pre-token whatever follows: a safe cut.
  let j = text.indexOf("\\n", i + 1000);
  while (j >= 0 && (ws.test(text[j - 1]) || ws.test(text[j + 1] ?? "x"))) j = text.indexOf("\\n", j + 1);
  j = j < 0 ? text.length : j + 1;
  pieces.push(text.slice(i, j));
  i = j;
}
const hf = Tokenizer.fromFile(${JSON.stringify(hfJson)});
await hf.encodeBatch(pieces.slice(0, 5));
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };
const walls = [], cpus = [];
let enc;
for (let r = 0; r < ${RUNS}; r++) {
  const c0 = cpu(), t0 = performance.now();
  enc = await hf.encodeBatch(pieces);
  walls.push((performance.now() - t0) / 1000); cpus.push(cpu() - c0);
}
let h = 0, n = 0;
for (const e of enc) for (const id of e.getIds()) { h = (Math.imul(h, 31) + id) | 0; n++; }
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(JSON.stringify({ wall: med(walls), cpu: med(cpus), h, n }));`;
  const oursSum = checksum(oursIds);
  for (const [label, env] of [
    ["single-thread (TOKENIZERS_PARALLELISM=false)", { TOKENIZERS_PARALLELISM: "false" }],
    ["all cores (default)", {}],
  ] as const) {
    const r = JSON.parse(child(hfCode, "bun", env)) as { wall: number; cpu: number; h: number; n: number };
    const equal = r.h === oursSum && r.n === oursIds.length;
    report(`HF tokenizers (npm native) encodeBatch, ${label}`, mbs(r.wall), "MB/s", {
      cpuMBs: mbs(r.cpu),
      idsEqualOurs: equal,
    });
    if (label.startsWith("single")) {
      report("ours (fresh) / HF tokenizers single-thread, wall", r.wall / fresh.wall, "x");
      report("ours (fresh) / HF tokenizers single-thread, CPU", r.cpu / fresh.cpu, "x");
    }
    if (!equal) console.error(`error: HF ids differ from ours (${label})`);
  }
}

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
    { tokens, seconds: r.seconds },
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
