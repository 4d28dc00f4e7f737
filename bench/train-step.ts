// bench/train-step: the K-step training graph on two model shapes (CS336's TinyStories model and a CPU-sized
// one): tokens/s, achieved GFLOP/s (6·matmul-params·tokens + 12·layers·T·C·tokens for attention), peak RSS, and
// the ratio to ONNX Runtime's own MatMul GFLOP/s on the model's largest matmul shape, measured in the same run;
// plus seconds per optimizer step at K=1 vs K=16 steps per run. Usage:
//   bun bench/train-step.ts [cpu] [tinystories] [--k 1,16] [--runs 2] [--device cpu|cuda]

import {
  createTrainer,
  Graph,
  initParameters,
  initTrainState,
  matMul,
  type ModelConfig,
  parameterCount,
  resolveModelConfig,
  Rng,
  Session,
  emitModel,
  tensorOf,
  trainFlopsPerToken,
  type Device,
} from "@cs336-ts/model";
import { availableParallelism } from "node:os";

type Shape = { name: string; config: ModelConfig; batch: number };
const SHAPES: Record<string, Shape> = {
  cpu: {
    name: "cpu",
    config: resolveModelConfig({
      vocabSize: 4096,
      contextLength: 128,
      dModel: 256,
      numLayers: 4,
      numHeads: 8,
      dFf: 688,
    }),
    batch: 16,
  },
  tinystories: {
    name: "tinystories",
    config: resolveModelConfig({
      vocabSize: 10_000,
      contextLength: 256,
      dModel: 512,
      numLayers: 4,
      numHeads: 16,
      dFf: 1344,
    }),
    batch: 8,
  },
};

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const ks = flag("k", "1,16").split(",").map(Number);
const runs = Number(flag("runs", "2"));
const device = flag("device", "cpu") as Device;
const picked = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const shapes = (picked.length > 0 ? picked : ["cpu", "tinystories"]).map((n) => {
  const s = SHAPES[n];
  if (!s) throw new Error(`unknown shape ${n}; available: ${Object.keys(SHAPES).join(", ")}`);
  return s;
});
const threads = availableParallelism();

/** ORT's own MatMul speed on x (M, K) · w (K, N), w an initializer, best of several runs. */
async function matmulCeiling(m: number, k: number, n: number): Promise<number> {
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
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await session.run({ x });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  await session.release();
  return (2 * m * k * n) / best / 1e9;
}

const rows: string[][] = [];
for (const shape of shapes) {
  const { config, batch } = shape;
  const t = config.contextLength;
  const tokensPerStep = batch * t;
  const flopsPerStep = trainFlopsPerToken(config, t) * tokensPerStep;
  // The LM head is the largest matmul: (B·T, C) · (C, V).
  const ceiling = await matmulCeiling(tokensPerStep, config.dModel, config.vocabSize);
  const perStep: Record<number, number> = {};
  for (const k of ks) {
    const trainer = await createTrainer(
      config,
      { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 },
      { k, batch, device, intraOpThreads: threads },
    );
    const rng = Rng.seeded(1);
    let state = initTrainState(initParameters(config, rng));
    const ids = () => Int32Array.from({ length: k * tokensPerStep }, () => rng.nextInt(config.vocabSize));
    const lrs = new Array(k).fill(3e-4);
    state = (await trainer.step(state, lrs, ids(), ids())).state; // warm-up: allocations, first-run planning
    let total = 0;
    for (let r = 0; r < runs; r++) {
      const [x, y] = [ids(), ids()];
      const t0 = performance.now();
      const res = await trainer.step(state, lrs, x, y);
      total += (performance.now() - t0) / 1000;
      state = res.state;
    }
    await trainer.release();
    const secPerStep = total / (runs * k);
    perStep[k] = secPerStep;
    const gflops = flopsPerStep / secPerStep / 1e9;
    const line = {
      bench: "train-step",
      shape: shape.name,
      device,
      params: parameterCount(config),
      batch,
      seqLen: t,
      k,
      runs,
      secPerStep,
      tokensPerSec: tokensPerStep / secPerStep,
      gflops,
      matmulCeilingGflops: ceiling,
      ratioToCeiling: gflops / ceiling,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
    console.log(JSON.stringify(line));
    rows.push([
      shape.name,
      String(k),
      secPerStep.toFixed(3),
      Math.round(line.tokensPerSec).toLocaleString("en-US"),
      gflops.toFixed(1),
      ceiling.toFixed(1),
      line.ratioToCeiling.toFixed(2),
      line.peakRssMB.toFixed(0),
    ]);
  }
  if (perStep[1] && perStep[16])
    console.log(`${shape.name}: per-step time K=16 / K=1 = ${(perStep[16] / perStep[1]).toFixed(3)}`);
}
console.log("\n| shape | K | s/step | tokens/s | GFLOP/s | MatMul ceiling GFLOP/s | ratio | peak RSS MB |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
