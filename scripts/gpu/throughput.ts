// Throughput of a preset's training step on one device at one K: tokens/s, achieved TFLOP/s (the model FLOPs of
// trainFlopsPerToken, as bench/train-step.ts counts them), MFU against the card's dense TF32 peak, peak GPU
// memory, and the share of each run's wall time that is the host↔device copy of parameters and AdamW moments —
// timed on a graph that only passes those tensors through (Identity), so the copies are all it does.
//   bun scripts/gpu/throughput.ts --config configs/tinystories-h100.json --k 20 [--opset 23] [--seconds 20]
//     [--device cuda] [--batch-size N] [--out FILE.json]
// Random token ids, a flat learning rate: speed does not depend on the data.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parameterCount, parameterSpecs, trainFlopsPerToken, trainNames } from "@cs336-ts/model";
import { emitModel, Graph, identity } from "@cs336-ts/model/graph";
import { Session } from "@cs336-ts/model/runtime";
import { gpuName, pollGpuMemory, tf32PeakTflops } from "./gpu-info.ts";
import { emitTrainStep, loadPreset, type PresetGraph, presetGraph, trainStepFeeds } from "./train-graph.ts";

const { values: args } = parseArgs({
  options: {
    config: { type: "string" },
    k: { type: "string" },
    opset: { type: "string", default: "23" },
    seconds: { type: "string", default: "20" },
    "max-runs": { type: "string", default: "10" },
    device: { type: "string", default: "cuda" },
    "batch-size": { type: "string" },
    out: { type: "string" },
  },
});
if (!args.config) throw new Error("--config PRESET.json is required");
const device = args.device === "cpu" ? "cpu" : "cuda";
const opset = Number(args.opset);
const run = loadPreset(args.config, args["batch-size"] ? { batchSize: Number(args["batch-size"]) } : {});
const p = presetGraph(run, args.k ? Number(args.k) : run.stepsPerRun);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Runs `session` once untimed, then until `seconds` have passed (at least 2, at most max-runs times). */
async function timeRuns(session: Session, feeds: Parameters<Session["run"]>[0]) {
  const t0 = performance.now();
  await session.run(feeds);
  const first = (performance.now() - t0) / 1000;
  const walls: number[] = [];
  const start = performance.now();
  do {
    const t = performance.now();
    await session.run(feeds);
    walls.push((performance.now() - t) / 1000);
  } while (
    walls.length < 2 ||
    (walls.length < Number(args["max-runs"]) && performance.now() - start < Number(args.seconds) * 1000)
  );
  return { first, walls };
}

/** Parameters and both moments in, the same tensors out: what a training run copies, and nothing else. */
function copyGraph(q: PresetGraph): Uint8Array {
  const g = new Graph("copies");
  for (const { name, shape } of parameterSpecs(q.run.model)) {
    for (const input of [name, trainNames.m(name), trainNames.v(name)]) {
      g.output(trainNames.out(input), identity(g.input(input, "float32", shape)));
    }
  }
  return emitModel(g, { opset });
}

const memory = pollGpuMemory();
const session = await Session.create(emitTrainStep(p, opset), { device, optimizationLevel: "all" });
const feeds = trainStepFeeds(p, 1);
const step = await timeRuns(session, feeds);
await session.release();

const copies = await Session.create(copyGraph(p), { device });
const copyFeeds = Object.fromEntries(Object.entries(feeds).filter(([n]) => copies.inputNames.includes(n)));
const copy = await timeRuns(copies, copyFeeds);
await copies.release();
const mem = await memory.stop();

const runWall = median(step.walls);
const tokensPerRun = p.k * p.batch * p.seqLen;
const flopsPerToken = trainFlopsPerToken(run.model, p.seqLen);
const tflops = (flopsPerToken * tokensPerRun) / runWall / 1e12;
const gpu = device === "cuda" ? gpuName() : null;
const peak = gpu ? tf32PeakTflops(gpu) : null;
const result = {
  check: "throughput",
  config: args.config,
  device,
  gpu,
  opset,
  k: p.k,
  batch: p.batch,
  seqLen: p.seqLen,
  params: parameterCount(run.model),
  runs: step.walls.length,
  firstRunS: step.first,
  runWallS: runWall,
  secPerStep: runWall / p.k,
  tokensPerSec: tokensPerRun / runWall,
  flopsPerToken,
  tflops,
  tf32PeakTflops: peak,
  mfu: peak ? tflops / peak : null,
  copyWallS: median(copy.walls),
  copyShare: median(copy.walls) / runWall,
  gpuMemoryBaselineMiB: mem.baselineMiB,
  gpuMemoryPeakMiB: mem.peakMiB,
};
const line = JSON.stringify(result);
if (args.out) writeFileSync(args.out, `${line}\n`);
console.log(line);
