// bench/train-step: the K-step training graph on two model shapes (CS336's TinyStories model and a CPU-sized
// one): tokens/s, achieved GFLOP/s (6·matmul-params·tokens + 12·layers·T·C·tokens for attention), peak RSS, and
// the ratio to ONNX Runtime's own MatMul GFLOP/s on the model's largest matmul shape. On a shared machine the
// ceiling is measured in windows as long as a step run (up to 8 s) just before and after each one, and the
// ratio is the median of those paired ratios (also: best step vs best single MatMul run). Plus the cost of K=1
// vs K=16 and each run's wall time against its "pure compute" (ORT's per-node kernel times summed, from its trace).
//   bun bench/train-step.ts [cpu] [tinystories] [--k 1,16] [--runs 3] [--threads N] [--device cpu|cuda] [--no-profile]
import {
  createTrainer,
  initParameters,
  initTrainState,
  type ModelConfig,
  parameterCount,
  Rng,
  trainFlopsPerToken,
} from "@cs336-ts/model";
import { emitModel, Graph, matMul, tensorOf } from "@cs336-ts/model/graph";
import { type Device, Session } from "@cs336-ts/model/runtime";
import { readTrace, summarizeTrace } from "@cs336-ts/model/testing";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_MODELS, flagValue, median } from "./_common.ts";

type Shape = { name: string; config: ModelConfig; batch: number };
const SHAPES: Record<string, Shape> = {
  cpu: { name: "cpu", ...BENCH_MODELS.cpu },
  tinystories: { name: "tinystories", ...BENCH_MODELS.tinystories },
};

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => flagValue(args, name, fallback);
const ks = flag("k", "1,16").split(",").map(Number);
const runs = Number(flag("runs", "3"));
const device = flag("device", "cpu") as Device;
const threads = Number(flag("threads", String(availableParallelism())));
const profile = !args.includes("--no-profile");
const valued = new Set(["--k", "--runs", "--device", "--threads"]);
const picked = args.filter((a, i) => !a.startsWith("--") && !valued.has(args[i - 1] ?? ""));
const shapes = (picked.length > 0 ? picked : ["cpu", "tinystories"]).map((n) => {
  const s = SHAPES[n];
  if (!s) throw new Error(`unknown shape ${n}; available: ${Object.keys(SHAPES).join(", ")}`);
  return s;
});
const traceDir = mkdtempSync(join(tmpdir(), "train-step-trace-"));

/**
 * ORT's own MatMul on x (M, K) · w (K, N), w an initializer. `window(seconds)` runs it back to back for that long
 * and returns the window's GFLOP/s (total FLOPs / total time); `best` is the fastest single run seen.
 */
async function matmulCeiling(m: number, k: number, n: number) {
  const g = new Graph("matmul");
  const rng = Rng.seeded(0);
  const w = g.initializer(
    "w",
    tensorOf(
      "float32",
      [k, n],
      Float32Array.from({ length: k * n }, () => rng.nextNormal()),
    ),
  );
  g.output("y", matMul(g.input("x", "float32", [m, k]), w));
  const session = await Session.create(emitModel(g), { device, intraOpThreads: threads });
  const x = tensorOf(
    "float32",
    [m, k],
    Float32Array.from({ length: m * k }, () => rng.nextNormal()),
  );
  await session.run({ x });
  const flops = 2 * m * k * n;
  const ceiling = {
    best: 0,
    async window(seconds: number): Promise<number> {
      const start = performance.now();
      let runsDone = 0;
      do {
        const t0 = performance.now();
        await session.run({ x });
        ceiling.best = Math.max(ceiling.best, flops / ((performance.now() - t0) / 1000) / 1e9);
        runsDone++;
      } while (performance.now() - start < seconds * 1000);
      return (flops * runsDone) / ((performance.now() - start) / 1000) / 1e9;
    },
    release: () => session.release(),
  };
  return ceiling;
}

const rows: string[][] = [];
const load0 = loadavg()[0]!;
for (const shape of shapes) {
  const { config, batch } = shape;
  const t = config.contextLength;
  const tokensPerStep = batch * t;
  const flopsPerStep = trainFlopsPerToken(config, t) * tokensPerStep;
  // The LM head is the largest matmul: (B·T, C) · (C, V).
  const ceiling = await matmulCeiling(tokensPerStep, config.dModel, config.vocabSize);
  const perStep: Record<number, number> = {};
  for (const k of ks) {
    const prefix = join(traceDir, `${shape.name}-k${k}`);
    const trainer = await createTrainer(
      config,
      { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 },
      { k, batch, device, intraOpThreads: threads, ...(profile && { profilePrefix: prefix }) },
    );
    const rng = Rng.seeded(1);
    let state = initTrainState(initParameters(config, rng));
    const ids = () => Int32Array.from({ length: k * tokensPerStep }, () => rng.nextInt(config.vocabSize));
    const lrs = new Array(k).fill(3e-4);
    const w0 = performance.now();
    state = (await trainer.step(state, lrs, ids(), ids())).state; // warm-up: allocations, first-run planning
    const lastWall = (performance.now() - w0) / 1000;
    const walls: number[] = [];
    const cpus: number[] = [];
    const ceilings: number[] = [];
    const ratios: number[] = [];
    ceiling.best = 0;
    let windowSec = Math.min(8, lastWall);
    for (let r = 0; r < runs; r++) {
      const before = await ceiling.window(windowSec); // the load the step run is about to see …
      const [x, y] = [ids(), ids()];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await trainer.step(state, lrs, x, y);
      const wall = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      state = res.state;
      windowSec = Math.min(8, wall);
      const after = await ceiling.window(windowSec); // … and the load it saw last
      const ceil = (before + after) / 2;
      walls.push(wall);
      cpus.push((c.user + c.system) / 1e6);
      ceilings.push(ceil);
      ratios.push((flopsPerStep * k) / wall / 1e9 / ceil);
    }
    trainer.endProfiling();
    await trainer.release();
    // Pure compute: the kernels' own time in the same (timed) runs, the warm-up run dropped.
    let computeSec: number | null = null;
    if (profile) {
      const timed = summarizeTrace(readTrace(prefix)).runs.slice(1);
      computeSec = median(timed.map((r) => r.kernelUs / 1e6));
    }
    const ceilingMedian = median(ceilings);
    const secPerStep = median(walls) / k;
    const bestSecPerStep = Math.min(...walls) / k;
    perStep[k] = secPerStep;
    const gflops = flopsPerStep / secPerStep / 1e9;
    const line = {
      bench: "train-step",
      shape: shape.name,
      device,
      threads,
      params: parameterCount(config),
      batch,
      seqLen: t,
      k,
      runs,
      secPerStep,
      bestSecPerStep,
      cpuSecPerStep: median(cpus) / k,
      tokensPerSec: tokensPerStep / secPerStep,
      gflops,
      matmulCeilingGflops: ceilingMedian,
      ratioToCeiling: median(ratios),
      bestRatioToCeiling: flopsPerStep / bestSecPerStep / 1e9 / ceiling.best,
      computeSecPerStep: computeSec === null ? null : computeSec / k,
      wallOverCompute: computeSec === null ? null : median(walls) / computeSec,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      loadavg: loadavg()[0],
    };
    console.log(JSON.stringify(line));
    rows.push([
      shape.name,
      String(k),
      secPerStep.toFixed(3),
      Math.round(line.tokensPerSec).toLocaleString("en-US"),
      gflops.toFixed(1),
      ceilingMedian.toFixed(1),
      line.ratioToCeiling.toFixed(2),
      line.bestRatioToCeiling.toFixed(2),
      line.computeSecPerStep === null ? "-" : line.computeSecPerStep.toFixed(3),
      line.wallOverCompute === null ? "-" : line.wallOverCompute.toFixed(3),
      line.peakRssMB.toFixed(0),
    ]);
  }
  await ceiling.release();
  if (perStep[1] && perStep[16])
    console.log(`${shape.name}: per-step time K=16 / K=1 = ${(perStep[16] / perStep[1]).toFixed(3)}`);
}
rmSync(traceDir, { recursive: true, force: true });
console.log(
  `\nthreads ${threads}, runs ${runs} (medians), load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`,
);
console.log(
  "| shape | K | s/step | tokens/s | GFLOP/s | MatMul ceiling GFLOP/s | ratio | best/best | compute s/step | wall/compute | peak RSS MB |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
