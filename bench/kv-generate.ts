// bench/kv-generate: tokens/s of `generate` (packages/trainer) producing N tokens (default 256) greedily from a
// 1-token prompt, with the KV-cache session against the uncached one (every step reruns the whole context, the
// path before issue 15) and against PyTorch's cached loop over the same weights (bench/torch/generate.py, same
// policy past the context length), in interleaved rounds on the demo and TinyStories model shapes with random
// weights. Also checks that all three produce the same ids. Prints one JSON line per measurement, a table, and
// the ratios last.
//   bun bench/kv-generate.ts [demo] [tinystories] [--tokens 256] [--rounds 3] [--threads N] [--torch-threads N]
//     [--no-torch]
import { mkdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { initParameters, MODEL_DEFAULTS, type ModelConfig, resolveModelConfig, Rng } from "@cs336-ts/model";
import { createInferenceModel, generate, type InferenceModel, readPreset } from "@cs336-ts/trainer";
import { flagValue, median } from "./_common.ts";
import { BENCH_CACHE, LineWorker, TORCH_DIR, torchPython, writeWeights } from "./torch/python.ts";

const SHAPES: Record<string, ModelConfig> = {
  // The model the demo trains.
  demo: resolveModelConfig(readPreset(join(import.meta.dir, "../configs/tinystories-cpu.json")).model),
  // CS336's TinyStories model.
  tinystories: resolveModelConfig(MODEL_DEFAULTS),
};

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => flagValue(args, name, fallback);
const tokens = Number(flag("tokens", "256"));
const rounds = Number(flag("rounds", "3"));
const threads = Number(flag("threads", String(availableParallelism())));
// On a loaded machine torch's OpenMP pool with as many threads as cores can run several times slower than one
// thread (spinning workers lose their cores); set --torch-threads to see it.
const torchThreads = Number(flag("torch-threads", String(threads)));
const valued = new Set(["--tokens", "--rounds", "--threads", "--torch-threads"]);
const picked = args.filter((a, i) => !a.startsWith("--") && !valued.has(args[i - 1] ?? ""));
const names = picked.length > 0 ? picked : Object.keys(SHAPES);
for (const n of names)
  if (!SHAPES[n]) throw new Error(`unknown shape ${n}; available: ${Object.keys(SHAPES).join(", ")}`);
const python = args.includes("--no-torch") ? null : torchPython();

const samePrefix = (a: readonly number[], b: readonly number[]) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

type Side = "cached" | "uncached" | "torch";
const rows: string[][] = [];
const ratios: string[] = [];
const load0 = loadavg()[0]!;
for (const name of names) {
  const config = SHAPES[name]!;
  const weights = initParameters(config, Rng.seeded(0));
  const prompt = [1];
  const models: Record<"cached" | "uncached", InferenceModel> = {
    cached: await createInferenceModel(config, weights, { threads }),
    uncached: await createInferenceModel(config, weights, { threads, kvCache: false }),
  };
  let torch: LineWorker | null = null;
  let torchVersion: unknown = null;
  if (python) {
    const dir = join(BENCH_CACHE, `kv-${name}`);
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, "config.json");
    await Bun.write(configPath, JSON.stringify(config));
    const weightsPath = writeWeights(join(dir, "weights.safetensors"), weights);
    const script = join(TORCH_DIR, "generate.py");
    const started = await LineWorker.start([
      python,
      script,
      ...["--config", configPath, "--weights", weightsPath, "--threads", String(torchThreads)],
    ]);
    torch = started.worker;
    torchVersion = started.ready.torch;
  }
  const sides: Side[] = torch ? ["cached", "uncached", "torch"] : ["cached", "uncached"];
  const run = async (side: Side): Promise<{ seconds: number; ids: number[] }> => {
    if (side === "torch") {
      const r = await torch!.request({ prompt, tokens });
      return { seconds: r.seconds as number, ids: r.ids as number[] };
    }
    const t0 = performance.now();
    const r = await generate(models[side], prompt, {
      temperature: 0,
      topP: 1,
      maxTokens: tokens,
      rng: Rng.seeded(0),
      endOfText: null,
    });
    return { seconds: (performance.now() - t0) / 1000, ids: r.ids };
  };
  for (const side of sides) await run(side); // warm-up: session planning, allocations, torch's first calls
  const seconds: Record<Side, number[]> = { cached: [], uncached: [], torch: [] };
  const ids: Partial<Record<Side, number[]>> = {};
  for (let r = 0; r < rounds; r++) {
    // Rotate the order so no side always runs right after another's warm caches.
    for (const side of [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)]) {
      const res = await run(side);
      seconds[side].push(res.seconds);
      ids[side] = res.ids;
    }
  }
  for (const side of sides) {
    const s = median(seconds[side]);
    const line = {
      bench: "kv-generate",
      shape: name,
      side,
      tokens,
      rounds,
      threads: side === "torch" ? torchThreads : threads,
      ...(side === "torch" && { torch: torchVersion }),
      contextLength: config.contextLength,
      seconds: s,
      tokensPerSec: tokens / s,
      sameIdsAsCached: samePrefix(ids[side]!, ids.cached!),
      loadavg: loadavg()[0],
    };
    console.log(JSON.stringify(line));
    rows.push([name, side, s.toFixed(3), (tokens / s).toFixed(1), `${line.sameIdsAsCached}/${tokens}`]);
  }
  const c = median(seconds.cached);
  ratios.push(`${name}: cached/uncached ${(median(seconds.uncached) / c).toFixed(2)}x`);
  if (torch) ratios.push(`${name}: ours cached/torch cached ${(median(seconds.torch) / c).toFixed(2)}x`);
  await models.cached.release();
  await models.uncached.release();
  await torch?.close();
}
console.log(
  `\n${tokens} tokens from a 1-token prompt, greedy; threads ${threads}, ${rounds} rounds (medians), ` +
    `load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`,
);
console.log("| shape | side | s | tokens/s | ids equal to cached |");
console.log("| --- | --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
if (!python) console.log("PyTorch comparison skipped (see above)");
console.log(`tokens/s ratios: ${ratios.join("; ")}`);
