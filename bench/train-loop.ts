// The training loop's host-side cost, against its peer measured in the same run: the bare K-step graph runs
// (engine.step on pre-drawn batches) vs the whole loop (batch sampling, lr schedule, metrics, progress and
// the final checkpoint) on the same model; plus checkpoint save/load at CS336's TinyStories size, the id
// scan, and get_batch on a memory-mapped array. Prints one JSON line per measurement, then a table.
// `bun bench/train-loop.ts [--steps N]` (default 40 steps of the tinystories-cpu preset on random ids).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initParameters, initTrainState, parameterCount, resolveModelConfig, Rng } from "@cs336-ts/model";
import {
  scanTokenArray,
  createOnnxEngine,
  createProgress,
  getBatch,
  getBatches,
  loadCheckpoint,
  openMetrics,
  openNpy,
  readPreset,
  resolveRunConfig,
  saveCheckpoint,
  trainLoop,
  writeNpy,
} from "@cs336-ts/trainer";
import { manualInterrupt, streamRng } from "@cs336-ts/trainer/testing";

const arg = process.argv.indexOf("--steps");
const steps = arg >= 0 ? Number(process.argv[arg + 1]) : 40;
const dir = mkdtempSync(join(tmpdir(), "bench-loop-"));
const rows: Record<string, string | number>[] = [];
const emit = (r: Record<string, string | number>) => {
  console.log(JSON.stringify(r));
  rows.push(r);
};

// Data: random ids over the preset's vocabulary, memory-mapped as the loop reads them.
const preset = readPreset(join(import.meta.dir, "../configs/tinystories-cpu.json"));
const config = resolveRunConfig(preset, {
  train: join(dir, "train.npy"),
  val: null,
  out: join(dir, "run"),
  maxSteps: steps,
  warmupSteps: 1,
  cosineSteps: steps,
  evalEvery: 0,
  checkpointEvery: 0,
});
const rng = Rng.seeded(1);
writeNpy(
  config.train,
  Uint16Array.from({ length: 2_000_000 }, () => rng.nextInt(config.model.vocabSize)),
);
const train = openNpy(config.train).data;
const perStep = config.batchSize * config.model.contextLength;
const K = config.stepsPerRun;

// Peer: the bare graph runs, batches drawn beforehand.
const engine = await createOnnxEngine(config);
const params = initParameters(config.model, streamRng(config.seed, 0));
let state = initTrainState(params);
const lrs = new Float32Array(K).fill(1e-3);
const batches = Array.from({ length: Math.ceil(steps / K) }, () =>
  getBatches(train, K, config.batchSize, config.model.contextLength, rng),
);
await engine.step(state, lrs, batches[0]!.x, batches[0]!.y); // warm-up run
let t0 = performance.now();
for (const b of batches) state = (await engine.step(state, lrs, b.x, b.y)).state;
const bare = (batches.length * K * perStep) / ((performance.now() - t0) / 1000);
emit({ measure: "graph runs only", tokensPerSec: Math.round(bare) });

mkdirSync(join(config.out, "checkpoints"), { recursive: true });
// The whole loop (fresh init, schedule, sampling, metrics, progress, final checkpoint), same engine.
// Time inside the graph runs during the loop, so the host share is measured within the same phase.
let inGraph = 0;
const timed = {
  ...engine,
  async step(...a: Parameters<typeof engine.step>) {
    const t = performance.now();
    const r = await engine.step(...a);
    inGraph += performance.now() - t;
    return r;
  },
};
t0 = performance.now();
await trainLoop({
  config,
  engine: timed,
  train,
  val: null,
  resume: null,
  metrics: openMetrics(join(dir, "metrics.jsonl"), null),
  progress: createProgress({ totalSteps: steps, startStep: 0, logEvery: 1e9, isTTY: false, write: () => {} }),
  interrupt: manualInterrupt(() => false),
});
const loopMs = performance.now() - t0;
const loop = (steps * perStep) / (loopMs / 1000);
emit({
  measure: "whole loop",
  tokensPerSec: Math.round(loop),
  ratioToGraphRuns: Number((loop / bare).toFixed(3)),
  hostShareOfLoop: Number(((loopMs - inGraph) / loopMs).toFixed(4)),
});
await engine.dispose?.();

// Checkpoints at CS336's TinyStories size (weights + two moments).
const big = resolveModelConfig({});
const p = initParameters(big, Rng.seeded(0));
const ck = { model: big, state: { params: p, m: p, v: p, step: 1 }, iteration: 1, rng: null, config: null };
t0 = performance.now();
saveCheckpoint(join(dir, "big.safetensors"), { ...ck, elapsedSeconds: 0, valLoss: null });
const save = (performance.now() - t0) / 1000;
t0 = performance.now();
loadCheckpoint(join(dir, "big.safetensors"));
const load = (performance.now() - t0) / 1000;
const mb = Bun.file(join(dir, "big.safetensors")).size / 1e6;
emit({ measure: "checkpoint save", params: parameterCount(big), MB: Math.round(mb), seconds: Number(save.toFixed(2)) });
emit({ measure: "checkpoint load (validated, sha256)", MB: Math.round(mb), seconds: Number(load.toFixed(2)) });

// Id scan and get_batch over a 50M-id memory-mapped array.
writeNpy(
  join(dir, "ids.npy"),
  Uint16Array.from({ length: 50_000_000 }, (_, i) => (i * 2654435761) % 10_000),
);
const ids = openNpy(join(dir, "ids.npy")).data;
t0 = performance.now();
scanTokenArray(ids, 10_000, "ids");
emit({ measure: "id scan", idsPerSec: Math.round(ids.length / ((performance.now() - t0) / 1000)) });
t0 = performance.now();
for (let i = 0; i < 50; i++) getBatch(ids, 128, 256, rng);
emit({ measure: "get_batch 128x256 (mmap)", msPerBatch: Number(((performance.now() - t0) / 50).toFixed(3)) });
rmSync(dir, { recursive: true, force: true });

console.log("\n| measure | figure |\n| --- | --- |");
for (const { measure, ...rest } of rows) {
  console.log(
    `| ${measure} | ${Object.entries(rest)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")} |`,
  );
}
