// The trainer's CS336 adapters (tests/adapters.ts: run_get_batch, run_save_checkpoint, run_load_checkpoint)
// as the package's own tests call them: the same thin conversions onto getBatch and the checkpoint format,
// copied here because package tests never import the root tests/ folder. Keep in step with
// tests/adapters/trainer.ts.
import { type ParamMap, resolveModelConfig, Rng } from "@cs336-ts/model";
import { getBatch } from "../../src/data/batch.ts";
import { loadCheckpoint, saveCheckpoint } from "../../src/run/checkpoint.ts";

export type Tensor = { data: Float32Array; shape: number[] };
export type IntTensor = { data: Int32Array; shape: number[] };
export type Weights = Record<string, Tensor>;
export type ModelConfig = {
  vocabSize: number;
  contextLength: number;
  dModel: number;
  numLayers: number;
  numHeads: number;
  dFf: number;
  ropeTheta: number;
};

export function runGetBatch(
  dataset: Uint16Array | Uint32Array | Int32Array,
  batchSize: number,
  contextLength: number,
  seed: number,
): { x: IntTensor; y: IntTensor } {
  const b = getBatch(dataset, batchSize, contextLength, Rng.seeded(seed));
  return { x: { data: b.x, shape: [batchSize, contextLength] }, y: { data: b.y, shape: [batchSize, contextLength] } };
}

const toParams = (w: Weights): ParamMap =>
  Object.fromEntries(Object.entries(w).map(([k, t]) => [k, { data: t.data, shape: t.shape }]));

export async function runSaveCheckpoint(
  config: ModelConfig,
  weights: Weights,
  adam: { m: Weights; v: Weights; step: number },
  iteration: number,
  path: string,
): Promise<void> {
  saveCheckpoint(path, {
    model: resolveModelConfig(config),
    state: { params: toParams(weights), m: toParams(adam.m), v: toParams(adam.v), step: adam.step },
    iteration,
    rng: null,
    config: null,
    elapsedSeconds: 0,
    valLoss: null,
  });
}

export async function runLoadCheckpoint(path: string): Promise<{
  config: ModelConfig;
  weights: Weights;
  adam: { m: Weights; v: Weights; step: number };
  iteration: number;
}> {
  const ck = loadCheckpoint(path);
  return {
    config: ck.model,
    weights: ck.state.params,
    adam: { m: ck.state.m, v: ck.state.v, step: ck.state.step },
    iteration: ck.iteration,
  };
}
