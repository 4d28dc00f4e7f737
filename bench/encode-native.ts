// bench/encode-native: encodeFile of one file with GPT-2's ranks (tiktoken's gpt2.json), the native addon
// (CS336_TOKENIZER_BACKEND=native: ranges read and encoded on the addon's own threads) against
// the WASM Worker path (=wasm), same worker count (default: the cores), each in its own child process so
// peak RSS is its own. Sides alternate for --runs runs (default 3; medians); the ids' fingerprints are compared
// (64-bit wyhash chained over the delivered arrays: SHA-256 took ~9% of the native side's CPU at 1.8 GB/s).
// Input: --input FILE, or --copies N (default 4) of ../shared/data/bench_mixed_english_45M.txt, cached in
// .cache/bench-encode/.
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { copiesOf, flagValue, loadAvg1, median, peakRssMb } from "./_common.ts";

const ROOT = resolve(import.meta.dir, "..");
const DATA = resolve(ROOT, "../shared/data/bench_mixed_english_45M.txt");
const GPT2_JSON = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
const SIDES = ["native", "wasm"] as const;
type Side = (typeof SIDES)[number];
type Result = {
  backend: string;
  detail: string;
  seconds: number;
  bytes: number;
  tokens: number;
  fingerprint: string;
  maxRssMb: number;
};

async function child(input: string, workers: number): Promise<Result> {
  const { encodeFile, tokenizerBackend } = await import("@cs336-ts/tokenizer");
  let fingerprint = 0n;
  const r = await encodeFile({
    input,
    files: { tiktoken: GPT2_JSON },
    specialTokens: ["<|endoftext|>"],
    workers,
    onIds: (ids) => {
      fingerprint = BigInt(Bun.hash(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength), fingerprint));
    },
  });
  return {
    ...tokenizerBackend(),
    seconds: r.seconds,
    bytes: r.bytes,
    tokens: r.tokens,
    fingerprint: fingerprint.toString(16).padStart(16, "0"),
    maxRssMb: peakRssMb(),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") {
    console.log(JSON.stringify(await child(argv[1] as string, Number(argv[2]))));
    return;
  }
  const opt = (name: string) => flagValue(argv, name);
  const runs = Number(opt("runs") ?? 3);
  const workers = Number(opt("workers") ?? cpus().length);
  let input = opt("input");
  if (!input) {
    if (!existsSync(DATA)) {
      console.error(`skipped: ${DATA} not found; put the benchmark corpus in ../shared/data or pass --input FILE`);
      return;
    }
    const copies = Number(opt("copies") ?? 4);
    input = copiesOf(DATA, copies, join(ROOT, ".cache", "bench-encode", `mixed-english-x${copies}.txt`));
  }
  const size = statSync(input).size;
  console.error(`input ${input} (${(size / 1e6).toFixed(0)} MB), ${workers} workers, ${runs} runs per side`);
  const loadBefore = loadAvg1();
  const results: Record<Side, Result[]> = { native: [], wasm: [] };
  const loads: number[] = [];
  for (let run = 0; run < runs; run++) {
    for (const side of SIDES) {
      const p = Bun.spawnSync(["bun", import.meta.path, "--child", input, String(workers)], {
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, CS336_TOKENIZER_BACKEND: side },
      });
      loads.push(loadAvg1());
      if (p.exitCode !== 0) {
        console.error(`error: ${side} failed: ${p.stderr.toString()}`);
        process.exit(1);
      }
      const r = JSON.parse(p.stdout.toString().trim().split("\n").pop() as string) as Result;
      results[side].push(r);
      console.log(JSON.stringify({ bench: "encode-native", side, run, workers, ...r }));
    }
  }
  const rows = SIDES.map((side) => {
    const rs = results[side];
    const seconds = median(rs.map((r) => r.seconds));
    const first = rs[0] as Result;
    return {
      side,
      seconds,
      mbps: first.bytes / 1e6 / seconds,
      tps: first.tokens / seconds,
      rss: median(rs.map((r) => r.maxRssMb)),
      first,
    };
  });
  const [native, wasm] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const same = SIDES.every((s) =>
    results[s].every((r) => r.fingerprint === native.first.fingerprint && r.tokens === native.first.tokens),
  );
  console.log(
    `\n${input} (${(size / 1e6).toFixed(0)} MB), ${workers} workers, median of ${runs}; load (1 min) before ${loadBefore}, during ${Math.min(...loads)}-${Math.max(...loads)}`,
  );
  console.log("| side | backend | seconds | MB/s | tokens/s | peak RSS |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.side} | ${r.first.backend} | ${r.seconds.toFixed(2)} | ${r.mbps.toFixed(1)} | ${(r.tps / 1e6).toFixed(2)} M | ${r.rss.toFixed(0)} MB |`,
    );
  }
  for (const r of rows) console.log(`${r.side}: ${r.first.detail}`);
  console.log(
    `ids identical (fingerprint ${native.first.fingerprint}, ${native.first.tokens.toLocaleString()} tokens): ${same}`,
  );
  console.log(
    `native / WASM Workers: ${(wasm.seconds / native.seconds).toFixed(2)}x faster, peak RSS ${(native.rss / wasm.rss).toFixed(2)}x`,
  );
  if (!same) process.exitCode = 1;
}

await main();
