// Our side of bench/torch-train.ts, in a bun process of its own so that its peak RSS is only its own: the K-step
// training graph (createTrainer) from the same initial weights, answering the requests train.py answers
// ("steps" on random batches, "quality" on the bench's batch files) with the same replies. A "steps" request
// runs N / K graph runs of K optimizer steps each, as training does.
//   bun bench/torch/ours-train.ts --config SPEC.json --weights W.safetensors --k K --threads N
import { readFileSync } from "node:fs";
import {
  asFloat32,
  createInference,
  createTrainer,
  initTrainState,
  type ModelConfig,
  type ParamMap,
  readSafetensors,
  Rng,
  type TrainHyper,
} from "@cs336-ts/model";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || !args[i + 1]) throw new Error(`missing --${name}`);
  return args[i + 1]!;
};
const spec = JSON.parse(readFileSync(flag("config"), "utf8")) as {
  model: ModelConfig;
  batch: number;
  hyper: TrainHyper;
};
const { model: config, batch } = spec;
const k = Number(flag("k"));
const threads = Number(flag("threads"));
const T = config.contextLength;

function loadWeights(path: string): ParamMap {
  const file = readSafetensors(readFileSync(path), path);
  const params: ParamMap = {};
  for (const [name, t] of file.tensors) params[name] = { data: asFloat32(t), shape: t.shape };
  return params;
}

/** int32 [n, 2, B, T] (inputs, targets) → n batches. */
function readBatches(path: string): { x: Int32Array; y: Int32Array }[] {
  const buf = readFileSync(path);
  const all = new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const n = batch * T;
  return Array.from({ length: all.length / (2 * n) }, (_, i) => ({
    x: all.subarray(2 * i * n, (2 * i + 1) * n),
    y: all.subarray((2 * i + 1) * n, (2 * i + 2) * n),
  }));
}

/** Mean cross-entropy of logits (B·T, V) against targets, accumulated in float64. */
function meanCe(logits: Float32Array, targets: Int32Array, V: number): number {
  let sum = 0;
  for (let r = 0; r < targets.length; r++) {
    const row = logits.subarray(r * V, (r + 1) * V);
    let max = Number.NEGATIVE_INFINITY;
    for (const v of row) max = Math.max(max, v);
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    sum += max + Math.log(z) - row[targets[r]!]!;
  }
  return sum / targets.length;
}

const trainer = await createTrainer(config, spec.hyper, { k, batch, intraOpThreads: threads });
let state = initTrainState(loadWeights(flag("weights")));
const rng = Rng.seeded(0);
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;
const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
console.log(JSON.stringify({ ready: true, k, threads }));

for await (const line of console) {
  if (line.trim() === "") continue; // the end of input
  const req = JSON.parse(line);
  if (req.cmd === "steps") {
    if (req.n % k !== 0) throw new Error(`steps ${req.n} must be a multiple of K = ${k}`);
    const ids = () => Int32Array.from({ length: k * batch * T }, () => rng.nextInt(config.vocabSize));
    const lrs = new Array(k).fill(req.lr);
    const [c0, t0] = [cpuSeconds(), performance.now()];
    let loss = 0;
    for (let i = 0; i < req.n / k; i++) {
      const r = await trainer.step(state, lrs, ids(), ids());
      state = r.state;
      loss = r.losses[k - 1]!;
    }
    const reply = { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0, loss };
    console.log(JSON.stringify({ ...reply, peakRssMB: peakRssMB() }));
  } else if (req.cmd === "quality") {
    if (req.steps % k !== 0) throw new Error(`quality steps ${req.steps} must be a multiple of K = ${k}`);
    let s = initTrainState(loadWeights(req.weights));
    const train = readBatches(req.batches);
    const losses: number[] = [];
    const n = batch * T;
    for (let i = 0; i < req.steps; i += k) {
      const [x, y] = [new Int32Array(k * n), new Int32Array(k * n)];
      for (let j = 0; j < k; j++) {
        x.set(train[i + j]!.x, j * n);
        y.set(train[i + j]!.y, j * n);
      }
      const r = await trainer.step(s, req.lrs.slice(i, i + k), x, y);
      s = r.state;
      losses.push(...r.losses);
    }
    const lm = await createInference(config, s.params, { intraOpThreads: threads });
    const val = readBatches(req.val);
    let total = 0;
    for (const b of val) total += meanCe(await lm.logits(b.x, [batch, T]), b.y, config.vocabSize);
    await lm.release();
    console.log(JSON.stringify({ valLoss: total / val.length, firstLoss: losses[0], lastLoss: losses.at(-1) }));
  } else {
    throw new Error(`unknown request ${req.cmd}`);
  }
}
await trainer.release();
