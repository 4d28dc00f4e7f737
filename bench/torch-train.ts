// bench/torch-train: our K-step training graph against PyTorch on the same model, initial weights, batch size,
// AdamW and clipping (issue 15), PyTorch eager and under torch.compile, each side in a process of its own:
// interleaved rounds (order rotated), tokens/s, CPU seconds per step, peak RSS, achieved GFLOP/s (the model's
// training FLOPs, trainFlopsPerToken) against the machine's fp32 matmul peak (torch GEMM, measured in the same
// run, best of the rounds), and the ratios last. --quality: validation loss after the same steps over several
// seeds, each side from our initial weights on our batches (TinyStories heads from ../shared/data, encoded
// with a BPE trained on the train head), with the preset's cosine schedule. PyTorch comes from PyPI into a
// throwaway venv (bench/torch/python.ts); without it only our side runs.
//   bun bench/torch-train.ts [demo] [cpu] [tinystories] [--rounds 3] [--steps N] [--k 10] [--threads N]
//     [--torch-threads N] [--no-compile]
//   bun bench/torch-train.ts --quality [demo] [--seeds 0,1,2] [--quality-steps 200] [--k 10] [--threads N]
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import {
  initParameters,
  type ModelConfig,
  Rng,
  scheduleSlice,
  type TrainHyper,
  trainFlopsPerToken,
} from "@cs336-ts/model";
import { getBatch, readPreset, resolveRunConfig, trainHyperOf } from "@cs336-ts/trainer";
import { Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import { BENCH_MODELS, flagValue, median } from "./_common.ts";
import { BENCH_CACHE, LineWorker, TORCH_DIR, torchPython, writeWeights } from "./torch/python.ts";

// What the demo trains: its model, batch size, optimizer and schedule.
const PRESET = resolveRunConfig(readPreset(join(import.meta.dir, "../configs/tinystories-cpu.json")));

type Shape = { config: ModelConfig; batch: number; steps: number };
const SHAPES: Record<string, Shape> = {
  demo: { config: PRESET.model, batch: PRESET.batchSize, steps: 40 },
  cpu: { ...BENCH_MODELS.cpu, steps: 20 },
  tinystories: { ...BENCH_MODELS.tinystories, steps: 10 },
};
const HYPER: TrainHyper = trainHyperOf(PRESET);
const SCHEDULE = { maxLearningRate: PRESET.lrMax, minLearningRate: PRESET.lrMin, warmupIters: PRESET.warmupSteps };

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => flagValue(args, name, fallback);
const valued = new Set(["--rounds", "--steps", "--k", "--threads", "--torch-threads", "--seeds", "--quality-steps"]);
const picked = args.filter((a, i) => !a.startsWith("--") && !valued.has(args[i - 1] ?? ""));
const quality = args.includes("--quality");
const names = picked.length > 0 ? picked : quality ? ["demo"] : Object.keys(SHAPES);
for (const n of names)
  if (!SHAPES[n]) throw new Error(`unknown shape ${n}; available: ${Object.keys(SHAPES).join(", ")}`);
const rounds = Number(flag("rounds", "3"));
const kFlag = Number(flag("k", "10"));
const threads = Number(flag("threads", String(availableParallelism())));
// On a loaded machine torch's OpenMP pool with as many threads as cores can lose several times its speed to
// spinning workers that lose their cores (wall far above CPU time); --torch-threads shows it.
const torchThreads = Number(flag("torch-threads", String(threads)));
const python = torchPython();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: number[]) => (xs.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / 2 : 0);

type SideName = "ours" | "eager" | "compile";

/** Spec file, initial weights and one worker per side for `shape`. */
async function startSides(name: string, shape: Shape, k: number, sides: SideName[]) {
  const dir = join(BENCH_CACHE, `train-${name}`);
  mkdirSync(dir, { recursive: true });
  const specPath = join(dir, "spec.json");
  writeFileSync(specPath, JSON.stringify({ model: shape.config, batch: shape.batch, hyper: HYPER }));
  const weights = writeWeights(join(dir, "weights.safetensors"), initParameters(shape.config, Rng.seeded(0)));
  const workers = {} as Record<SideName, LineWorker>;
  const common = ["--config", specPath, "--weights", weights];
  let torchVersion: unknown = null;
  for (const side of sides) {
    const cmd =
      side === "ours"
        ? ["bun", join(TORCH_DIR, "ours-train.ts"), ...common, "--threads", String(threads), "--k", String(k)]
        : [python!, join(TORCH_DIR, "train.py"), ...common, "--threads", String(torchThreads), "--mode", side];
    const started = await LineWorker.start(cmd);
    workers[side] = started.worker;
    if (side !== "ours") torchVersion = started.ready.torch;
  }
  return { dir, workers, torchVersion };
}

async function speed(): Promise<void> {
  const sides: SideName[] = python
    ? ["ours", "eager", ...(args.includes("--no-compile") ? [] : ["compile" as const])]
    : ["ours"];
  const rows: string[][] = [];
  const ratios: string[] = [];
  const load0 = loadavg()[0]!;
  let peak = 0;
  for (const name of names) {
    const shape = SHAPES[name]!;
    const k = Math.min(kFlag, Number(flag("steps", String(shape.steps))));
    const steps = Math.max(k, Math.round(Number(flag("steps", String(shape.steps))) / k) * k);
    const { workers, torchVersion } = await startSides(name, shape, k, sides);
    const warmup: Partial<Record<SideName, number>> = {};
    for (const side of sides) {
      // First runs: session planning, allocations, and for torch.compile the compilation itself.
      warmup[side] = (await workers[side].request({ cmd: "steps", n: k, lr: 1e-3 })).wall as number;
    }
    const walls: Record<SideName, number[]> = { ours: [], eager: [], compile: [] };
    const cpus: Record<SideName, number[]> = { ours: [], eager: [], compile: [] };
    const rss: Partial<Record<SideName, number>> = {};
    for (let r = 0; r < rounds; r++) {
      if (python)
        peak = Math.max(peak, (await workers.eager.request({ cmd: "matmul", seconds: 2, threads })).gflops as number);
      for (const side of [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)]) {
        const reply = await workers[side].request({ cmd: "steps", n: steps, lr: 1e-3 });
        walls[side].push((reply.wall as number) / steps);
        cpus[side].push((reply.cpu as number) / steps);
        rss[side] = reply.peakRssMB as number;
      }
    }
    for (const side of sides) await workers[side].close();
    const tokensPerStep = shape.batch * shape.config.contextLength;
    const flopsPerStep = trainFlopsPerToken(shape.config, shape.config.contextLength) * tokensPerStep;
    const perSide: Partial<Record<SideName, { tps: number; rss: number }>> = {};
    for (const side of sides) {
      const sec = median(walls[side]);
      const gflops = flopsPerStep / sec / 1e9;
      const line = {
        bench: "torch-train",
        shape: name,
        side,
        ...(side !== "ours" && { torch: torchVersion }),
        threads: side === "ours" ? threads : torchThreads,
        batch: shape.batch,
        seqLen: shape.config.contextLength,
        k: side === "ours" ? k : 1,
        stepsPerRound: steps,
        rounds,
        secPerStep: sec,
        tokensPerSec: tokensPerStep / sec,
        cpuSecPerStep: median(cpus[side]),
        gflops,
        matmulPeakGflops: peak || null,
        fractionOfPeak: peak ? gflops / peak : null,
        peakRssMB: rss[side],
        warmupSec: warmup[side],
        loadavg: loadavg()[0],
      };
      console.log(JSON.stringify(line));
      perSide[side] = { tps: line.tokensPerSec, rss: rss[side]! };
      rows.push([
        name,
        side,
        sec.toFixed(3),
        Math.round(line.tokensPerSec).toLocaleString("en-US"),
        line.cpuSecPerStep.toFixed(3),
        gflops.toFixed(1),
        peak ? `${((100 * gflops) / peak).toFixed(0)}%` : "-",
        rss[side]!.toFixed(0),
        warmup[side]!.toFixed(1),
      ]);
    }
    const ours = perSide.ours!;
    for (const side of ["eager", "compile"] as const) {
      const other = perSide[side];
      if (other)
        ratios.push(
          `${name} vs ${side}: ${(ours.tps / other.tps).toFixed(2)}x tokens/s, RSS ${(ours.rss / other.rss).toFixed(2)}x`,
        );
    }
  }
  console.log(
    `\nthreads ${threads} (torch ${torchThreads}); fp32 matmul peak ${peak ? `${peak.toFixed(0)} GFLOP/s (torch GEMM 1024², best of rounds)` : "not measured"}; ` +
      `load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`,
  );
  console.log("| shape | side | s/step | tokens/s | CPU s/step | GFLOP/s | of peak | peak RSS MB | warm-up s |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  if (!python) console.log("PyTorch comparison skipped (see above)");
  else console.log(`ours / torch (median of rounds): ${ratios.join("; ")}`);
}

/** TinyStories train/valid heads encoded with a BPE of `vocabSize` trained on the train head (cached). */
async function tinyStories(vocabSize: number): Promise<{ train: Uint32Array; valid: Uint32Array } | null> {
  const shared = resolve(import.meta.dir, "../../shared/data");
  const files = { train: "tinystories_v1_train_head_2MiB.txt", valid: "tinystories_v1_valid_head_794k.txt" };
  const cache = join(BENCH_CACHE, `tinystories-${vocabSize}`);
  const cached = { train: `${cache}.train.u32`, valid: `${cache}.valid.u32` };
  if (existsSync(cached.train) && existsSync(cached.valid)) {
    const read = async (p: string) => new Uint32Array(await Bun.file(p).arrayBuffer());
    return { train: await read(cached.train), valid: await read(cached.valid) };
  }
  if (!existsSync(join(shared, files.train)) || !existsSync(join(shared, files.valid))) {
    console.error(`--quality needs ${files.train} and ${files.valid} in ${shared}`);
    return null;
  }
  const bpe = await trainBpe({ input: join(shared, files.train), vocabSize, specialTokens: ["<|endoftext|>"] });
  const tok = Tokenizer.fromVocab(bpe.vocab, bpe.merges, ["<|endoftext|>"]);
  const out = {
    train: tok.encode(await Bun.file(join(shared, files.train)).text()),
    valid: tok.encode(await Bun.file(join(shared, files.valid)).text()),
  };
  tok.dispose();
  mkdirSync(BENCH_CACHE, { recursive: true });
  writeFileSync(cached.train, out.train);
  writeFileSync(cached.valid, out.valid);
  return out;
}

/** `n` batches from `data` drawn with `rng`, as int32 [n, 2, B, T]. */
function batchFile(path: string, data: Uint32Array, n: number, shape: Shape, rng: Rng): string {
  const size = shape.batch * shape.config.contextLength;
  const out = new Int32Array(2 * n * size);
  for (let i = 0; i < n; i++) {
    const b = getBatch(data, shape.batch, shape.config.contextLength, rng);
    out.set(b.x, 2 * i * size);
    out.set(b.y, (2 * i + 1) * size);
  }
  writeFileSync(path, out);
  return path;
}

async function qualityRun(): Promise<void> {
  if (!python) {
    console.log("PyTorch comparison skipped (see above)");
    return;
  }
  const seeds = flag("seeds", "0,1,2").split(",").map(Number);
  for (const name of names) {
    const shape = SHAPES[name]!;
    const data = await tinyStories(shape.config.vocabSize);
    if (!data) return;
    const k = kFlag;
    const steps = Math.max(k, Math.round(Number(flag("quality-steps", "200")) / k) * k);
    const lrs = Array.from(scheduleSlice({ ...SCHEDULE, cosineCycleIters: steps }, 0, steps));
    const { dir, workers } = await startSides(name, shape, k, ["ours", "eager"]);
    const val = batchFile(join(dir, "val.i32"), data.valid, 8, shape, Rng.seeded(12_345));
    const losses: Record<"ours" | "eager", number[]> = { ours: [], eager: [] };
    for (const seed of seeds) {
      const weights = writeWeights(
        join(dir, `seed-${seed}.safetensors`),
        initParameters(shape.config, Rng.seeded(seed)),
      );
      const batches = batchFile(join(dir, `train-${seed}.i32`), data.train, steps, shape, Rng.seeded(seed));
      for (const side of ["ours", "eager"] as const) {
        const r = await workers[side].request({ cmd: "quality", weights, batches, steps, lrs, val });
        losses[side].push(r.valLoss as number);
        console.log(JSON.stringify({ bench: "torch-train", mode: "quality", shape: name, side, seed, steps, ...r }));
      }
    }
    await workers.ours.close();
    await workers.eager.close();
    const [o, e] = [losses.ours, losses.eager];
    console.log(
      `\n${name}: validation loss after ${steps} steps (${steps * shape.batch * shape.config.contextLength} tokens), ` +
        `seeds ${seeds.join(",")}: ours ${mean(o).toFixed(4)} ± ${spread(o).toFixed(4)}, ` +
        `torch eager ${mean(e).toFixed(4)} ± ${spread(e).toFixed(4)}; ours - torch = ${(mean(o) - mean(e)).toFixed(4)} nats`,
    );
  }
}

if (quality) await qualityRun();
else await speed();
