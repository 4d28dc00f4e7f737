// bench/train-bpe-scale: BPE training at scale (issue 16, item 4). A generated 1 GB corpus (--gb N, up to 4;
// bench/scale/corpus.ts: Zipfian words, millions of distinct pre-tokens, cached in .cache/bench-scale/),
// vocab 32,000 with <|endoftext|>, each side in its own child process one after another: ours with the
// native addon (CS336_TOKENIZER_BACKEND=native), ours in WASM (=wasm), Hugging Face `tokenizers` from PyPI
// (a throwaway venv in .cache/) and its npm binding. Wall time, peak RSS (the child's maxrss), our phase
// split, native/WASM merges compared, then an estimate for OpenWebText's 11.9 GB. `--only a,b` picks sides.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { cpuSeconds, flagValue, loadAvg1, peakRssMb } from "./_common.ts";
import { CACHE_DIR, DEFAULT_PARAMS, ensureCorpus } from "./scale/corpus.ts";

const EOT = "<|endoftext|>";
const REPO = resolve(import.meta.dir, "..");
const HF_VENV = join(REPO, ".cache", "hf-tokenizers-venv");
const OWT_BYTES = 11.9e9;
const SIDES = ["native", "wasm", "hf-python", "hf-npm"] as const;
type Side = (typeof SIDES)[number];

/** What a child prints (one JSON line); the parent adds its wall time and the load average. */
type ChildResult = {
  trainSeconds: number;
  /** The child's user + system CPU seconds, all threads: less distorted than wall time on a shared machine. */
  cpuSeconds: number;
  maxRssMb: number;
  vocab: number;
  merges?: number;
  backend?: string;
  mergesSha?: string;
  bytes?: number;
  workers?: number;
  distinctPretokens?: number;
  pretokenizeSeconds?: number;
  pretokenizeCpuSeconds?: number;
  mergeSeconds?: number;
};
type Row = ChildResult & { side: Side; wallSeconds: number; loadDuring: number; timedOut?: boolean };

/** Our trainer in this process, on whichever backend CS336_TOKENIZER_BACKEND selects. */
async function childOurs(input: string, vocabSize: number): Promise<ChildResult> {
  const mod = (await import("@cs336-ts/tokenizer")) as typeof import("@cs336-ts/tokenizer") & {
    tokenizerBackend?: () => unknown;
  };
  const t0 = performance.now();
  const cpu0 = cpuSeconds();
  // The CPU spent (all threads) when counting last reports progress: the counting phase's, which gives a
  // per-thread rate that the other work on a shared machine does not distort as it does wall time.
  let pretokenizeCpuSeconds: number | undefined;
  const onProgress = (p: { phase: string }) => {
    if (p.phase === "pretokenize") pretokenizeCpuSeconds = cpuSeconds() - cpu0;
  };
  const r = await mod.trainBpe({ input, vocabSize, specialTokens: [EOT], onProgress });
  const trainSeconds = (performance.now() - t0) / 1000;
  const sha = createHash("sha256");
  for (const [a, b] of r.merges) {
    sha.update(Uint8Array.of(a.length, b.length));
    sha.update(a);
    sha.update(b);
  }
  const backend = mod.tokenizerBackend
    ? JSON.stringify(mod.tokenizerBackend())
    : "unknown (no tokenizerBackend export)";
  return {
    trainSeconds,
    cpuSeconds: cpuSeconds(),
    maxRssMb: peakRssMb(),
    vocab: r.vocab.size,
    merges: r.merges.length,
    backend,
    mergesSha: sha.digest("hex").slice(0, 16),
    pretokenizeCpuSeconds,
    ...r.stats,
  };
}

/** HF's npm binding: its Tokenizer.train takes no trainer options (always 30,000 tokens, no specials). */
async function childHfNpm(input: string): Promise<ChildResult> {
  const { BPE, Tokenizer, byteLevelPreTokenizer } = await import("tokenizers");
  const t0 = performance.now();
  const tok = new Tokenizer(BPE.empty());
  tok.setPreTokenizer(byteLevelPreTokenizer(false, true));
  tok.train([input]);
  const trainSeconds = (performance.now() - t0) / 1000;
  return { trainSeconds, cpuSeconds: cpuSeconds(), maxRssMb: peakRssMb(), vocab: tok.getVocabSize(true) };
}

/** A Python with PyPI's `tokenizers`, installed into .cache/hf-tokenizers-venv once; null (and why) if not. */
function hfPython(): string | null {
  const python = join(HF_VENV, "bin", "python");
  const works = () =>
    existsSync(python) && Bun.spawnSync([python, "-c", "import tokenizers"], { stderr: "ignore" }).exitCode === 0;
  if (works()) return python;
  console.error(`installing PyPI tokenizers into ${HF_VENV} (once)`);
  for (const cmd of [
    ["python3", "-m", "venv", HF_VENV],
    [python, "-m", "pip", "install", "--quiet", "--progress-bar", "off", "tokenizers"],
  ]) {
    if (Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" }).exitCode !== 0) {
      console.error(`skipped hf-python: \`${cmd.join(" ")}\` failed`);
      return null;
    }
  }
  return works() ? python : null;
}

/** The child's peak RSS so far (VmHWM) and its CPU seconds, from /proc while it runs. */
function childUsage(pid: number): { hwmMb: number; cpuSeconds: number } | undefined {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    // /proc/<pid>/stat fields 14 and 15 (after the parenthesized name): utime and stime in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .slice(11, 13)
      .map(Number);
    return { hwmMb: (Number(hwm) * 1024) / 1e6, cpuSeconds: ((utime ?? 0) + (stime ?? 0)) / 100 };
  } catch {
    return undefined;
  }
}

/**
 * Runs one side in a child process. Every 2 s the 1-minute load average and the child's peak RSS and CPU
 * time are sampled, so a side killed at the time limit still reports them (as lower bounds).
 */
async function runSide(side: Side, input: string, vocab: number, timeoutS: number): Promise<Row | string> {
  let cmd: string[];
  const env: Record<string, string | undefined> = { ...process.env };
  if (side === "hf-python") {
    const python = hfPython();
    if (!python) return "skipped: PyPI tokenizers could not be installed";
    cmd = [python, join(import.meta.dir, "scale", "hf_train.py"), input, String(vocab), EOT];
  } else {
    cmd = ["bun", import.meta.path, "--child", side, input, String(vocab)];
    if (side === "native" || side === "wasm") env.CS336_TOKENIZER_BACKEND = side;
  }
  const t0 = performance.now();
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", env, timeout: timeoutS * 1000 });
  const loads: number[] = [];
  let last: ReturnType<typeof childUsage>;
  const sampler = setInterval(() => {
    loads.push(loadAvg1());
    last = childUsage(proc.pid) ?? last;
  }, 2000);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const wallSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const loadDuring = loads.length > 0 ? Math.max(...loads) : loadAvg1();
  if (code !== 0 && proc.signalCode && wallSeconds >= timeoutS * 0.99) {
    console.error(`${side}: killed at the ${timeoutS} s limit (--timeout-s); figures are lower bounds`);
    const usage = last ?? { hwmMb: Number.NaN, cpuSeconds: Number.NaN };
    return {
      side,
      wallSeconds,
      loadDuring,
      timedOut: true,
      trainSeconds: Number.NaN,
      cpuSeconds: usage.cpuSeconds,
      maxRssMb: usage.hwmMb,
      vocab: 0,
    };
  }
  if (code !== 0) {
    const why = proc.signalCode ? `killed (${proc.signalCode}) after ${wallSeconds.toFixed(0)} s` : `exit ${code}`;
    return `failed: ${why}: ${err.trim().split("\n").slice(-3).join(" | ")}`;
  }
  const result = JSON.parse(out.trim().split("\n").pop() as string) as ChildResult;
  return { side, wallSeconds, loadDuring, ...result };
}

/** "> " before the figures of a side killed at the time limit: they are lower bounds. */
const gt = (r: Row) => (r.timedOut ? "> " : "");
const f = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits));
const perThread = (r: Row) =>
  r.bytes !== undefined && r.pretokenizeSeconds
    ? r.bytes / 1e6 / r.pretokenizeSeconds / Math.max(1, r.workers ?? 1)
    : undefined;
/** MB counted per CPU-second: what one thread counts with a core of its own. */
const perCpuSecond = (r: Row) =>
  r.bytes !== undefined && r.pretokenizeCpuSeconds ? r.bytes / 1e6 / r.pretokenizeCpuSeconds : undefined;
/** The merge loop runs on one thread: its CPU seconds are its time on an idle core. */
const mergeCpu = (r: Row) =>
  r.pretokenizeCpuSeconds !== undefined ? r.cpuSeconds - r.pretokenizeCpuSeconds : undefined;

/**
 * OpenWebText's 11.9 GB from a measured row, on an otherwise idle machine: counting at the per-thread rate
 * of one core (MB per CPU-second) times the threads, merging in the single-threaded merge's CPU time as
 * measured here, which holds for the same number of distinct pre-tokens (it grows with that count and the
 * vocab, not with the bytes).
 */
function estimate(r: Row, threads: number): string {
  const mbps = perCpuSecond(r);
  const merge = mergeCpu(r);
  if (mbps === undefined || merge === undefined || r.distinctPretokens === undefined) return "n/a";
  const count = OWT_BYTES / 1e6 / (mbps * threads);
  const total = count + merge;
  return (
    `${f(OWT_BYTES / 1e6, 0)} MB / (${f(mbps)} MB/s per thread × ${threads}) = ${f(count, 0)} s counting + ` +
    `${f(merge, 0)} s merging (CPU time measured for ${(r.distinctPretokens / 1e6).toFixed(2)} M distinct pre-tokens) ` +
    `= ${f(total, 0)} s (${f(total / 60)} min)`
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") {
    const [, side, input, vocab] = argv as [string, Side, string, string];
    const r = side === "hf-npm" ? await childHfNpm(input) : await childOurs(input, Number(vocab));
    console.log(JSON.stringify(r));
    return;
  }
  const opt = (name: string) => flagValue(argv, name);
  const gb = Number(opt("gb") ?? 1);
  if (!(gb > 0 && gb <= 4)) {
    console.error(`error: --gb must be in (0, 4], got ${opt("gb")}`);
    process.exit(2);
  }
  const vocab = Number(opt("vocab") ?? 32_000);
  const timeoutS = Number(opt("timeout-s") ?? 600);
  const only = (opt("only") ?? SIDES.join(",")).split(",");
  const bad = only.filter((s) => !(SIDES as readonly string[]).includes(s));
  if (bad.length > 0) {
    console.error(`error: --only takes ${SIDES.join(",")}; got ${bad.join(",")}`);
    process.exit(2);
  }
  const params = { ...DEFAULT_PARAMS, bytes: Math.round(gb * 1e9) };
  console.error(`corpus parameters: ${JSON.stringify(params)} (cache: ${CACHE_DIR})`);
  const input = ensureCorpus(params);
  const bytes = statSync(input).size;
  const loadBefore = loadAvg1();
  console.error(`load average (1 min) before: ${loadBefore}; ${cpus().length} cores`);

  const rows: Row[] = [];
  for (const side of SIDES.filter((s) => only.includes(s))) {
    console.error(`running ${side} ...`);
    const r = await runSide(side, input, vocab, timeoutS);
    if (typeof r === "string") {
      console.error(`${side}: ${r}`);
      console.log(JSON.stringify({ bench: "train-bpe-scale", side, bytes, error: r }));
      continue;
    }
    rows.push(r);
    console.log(JSON.stringify({ bench: "train-bpe-scale", bytes, vocabSize: vocab, ...r }));
  }

  console.log(`\ncorpus ${input} (${(bytes / 1e9).toFixed(2)} GB), vocab ${vocab}, load before ${loadBefore}`);
  console.log(
    "| side | wall | CPU | peak RSS | pre-tokenize wall (CPU) | per thread: wall, per CPU-s | merge wall (CPU) | distinct pre-tokens | vocab | load during |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const threads = r.workers !== undefined ? ` × ${Math.max(1, r.workers)}` : "";
    console.log(
      `| ${r.side} | ${gt(r)}${f(r.wallSeconds)} s | ${gt(r)}${f(r.cpuSeconds)} s | ${gt(r)}${f(r.maxRssMb, 0)} MB | ` +
        `${f(r.pretokenizeSeconds)} s (${f(r.pretokenizeCpuSeconds)} s) | ${f(perThread(r))} MB/s${threads}, ${f(perCpuSecond(r))} MB/s | ` +
        `${f(r.mergeSeconds)} s (${f(mergeCpu(r))} s) | ${r.distinctPretokens?.toLocaleString() ?? "n/a"} | ${r.timedOut ? "n/a" : r.vocab} | ${r.loadDuring} |`,
    );
  }
  const by = (s: Side) => rows.find((r) => r.side === s);
  const native = by("native");
  const wasm = by("wasm");
  if (native && wasm) {
    console.log(`\nbackends: native child ${native.backend}, wasm child ${wasm.backend}`);
    const same = native.mergesSha === wasm.mergesSha && native.merges === wasm.merges;
    console.log(`native and WASM merges identical: ${same} (sha256 ${native.mergesSha} vs ${wasm.mergesSha})`);
    if (!same) process.exitCode = 1;
  }
  const ratio = (a: Row | undefined, b: Row | undefined, label: string) => {
    if (!a || !b) return;
    console.log(
      `${label}: wall ${gt(b)}${f(b.wallSeconds / a.wallSeconds, 2)}x faster, CPU ${gt(b)}${f(b.cpuSeconds / a.cpuSeconds, 2)}x less, ` +
        `peak RSS ${b.timedOut ? "< " : ""}${f(a.maxRssMb / b.maxRssMb, 2)}x of theirs`,
    );
  };
  ratio(native, wasm, "native / WASM");
  ratio(native, by("hf-python"), "native / HF tokenizers (PyPI)");
  ratio(native, by("hf-npm"), "native / HF tokenizers (npm, its default 30,000 vocab)");
  ratio(wasm, by("hf-python"), "WASM / HF tokenizers (PyPI)");

  const best = native ?? wasm;
  if (best) {
    console.log(`\nOpenWebText (11.9 GB) estimate from the ${best.side} row:`);
    console.log(`  this machine (${cpus().length} threads): ${estimate(best, cpus().length)}`);
    console.log(`  a 16-core machine: ${estimate(best, 16)}`);
    console.log(
      `  memory: input is read in ranges, not held; the peak is set by the counts and the merge state, ` +
        `${f(best.maxRssMb, 0)} MB here for ${best.distinctPretokens?.toLocaleString()} distinct pre-tokens ` +
        `(${f((best.maxRssMb * 1e6) / (best.distinctPretokens ?? Number.NaN), 0)} B each, all of the process included); ` +
        `OpenWebText's peak scales with its own distinct count, not its 11.9 GB`,
    );
  }
}

await main();
