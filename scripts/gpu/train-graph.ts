// The training-step graph of a run preset (configs/*.json) as the GPU checks use it: the preset resolved by the
// trainer's own config code, the AdamW/clip settings the training loop derives from it, the emitted K-step graph
// at a chosen opset, and feeds of random tokens with freshly initialized parameters and zero moments.
// Leaves out: data loading and schedules (the throughput and placement checks need neither).
import { buildTrainStepGraph, initParameters, Rng, type TrainHyper, trainNames } from "@cs336-ts/model";
import { emitModel, type TensorData, tensorOf } from "@cs336-ts/model/graph";
import { type RunConfig, type RunConfigInput, readPreset, resolveRunConfig, trainHyperOf } from "@cs336-ts/trainer";

export type PresetGraph = { run: RunConfig; hp: TrainHyper; k: number; batch: number; seqLen: number };

/** A preset with optional field overrides (e.g. a smaller batch for a CPU check), resolved once. */
export function loadPreset(path: string, overrides: RunConfigInput = {}): RunConfig {
  return resolveRunConfig(readPreset(path), overrides);
}

export function presetGraph(run: RunConfig, k = run.stepsPerRun): PresetGraph {
  return { run, hp: trainHyperOf(run), k, batch: run.batchSize, seqLen: run.model.contextLength };
}

export function emitTrainStep(p: PresetGraph, opset: number): Uint8Array {
  const graph = buildTrainStepGraph(p.run.model, p.hp, { k: p.k, batch: p.batch, seqLen: p.seqLen });
  return emitModel(graph, { opset, producer: "cs336-ts gpu check" });
}

/** Every input of the training step: seeded parameters, zero moments, step 0, a flat lr, random token ids. */
export function trainStepFeeds(p: PresetGraph, seed: number): Record<string, TensorData> {
  const rng = Rng.seeded(seed);
  const vocab = p.run.model.vocabSize;
  const n = p.k * p.batch * p.seqLen;
  const ids = () => Int32Array.from({ length: n }, () => rng.nextInt(vocab));
  const feeds: Record<string, TensorData> = {
    [trainNames.step]: tensorOf("int64", [], [0]),
    [trainNames.lrs]: tensorOf("float32", [p.k], new Float32Array(p.k).fill(p.run.lrMax)),
    [trainNames.x]: tensorOf("int32", [p.k, p.batch, p.seqLen], ids()),
    [trainNames.y]: tensorOf("int32", [p.k, p.batch, p.seqLen], ids()),
  };
  for (const [name, t] of Object.entries(initParameters(p.run.model, rng))) {
    feeds[name] = tensorOf("float32", t.shape, t.data);
    feeds[trainNames.m(name)] = tensorOf("float32", t.shape, new Float32Array(t.data.length));
    feeds[trainNames.v(name)] = tensorOf("float32", t.shape, new Float32Array(t.data.length));
  }
  return feeds;
}
