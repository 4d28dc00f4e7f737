// Adapters for the trainer area (see tests/adapters.ts): get_batch and checkpoint save/load, each a thin
// conversion onto packages/trainer (getBatch with a seeded Rng; the safetensors checkpoint format).
import { type ParamMap, resolveModelConfig, Rng } from "@cs336-ts/model";
import { getBatch, loadCheckpoint, saveCheckpoint } from "@cs336-ts/trainer";
import type { IntTensor, ModelConfig, Weights } from "../adapters.ts";

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
