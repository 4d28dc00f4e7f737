// Adapters for the trainer area (see tests/adapters.ts): get_batch and checkpoint save/load, each a thin
// conversion: getBatch with a seeded Rng, and the model package's state file, which like CS336's
// save_checkpoint holds any named tensors with their AdamW state (the trainer's run checkpoints are stricter).
import { readFileSync } from "node:fs";
import { decodeStateFile, encodeStateFile, Rng } from "@cs336-ts/model";
import { getBatch, writeFileAtomic } from "@cs336-ts/trainer";
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

export async function runSaveCheckpoint(
  config: ModelConfig,
  weights: Weights,
  adam: { m: Weights; v: Weights; step: number },
  iteration: number,
  path: string,
): Promise<void> {
  writeFileAtomic(
    path,
    encodeStateFile({ tensors: weights, m: adam.m, v: adam.v, step: adam.step, iteration, config }),
  );
}

export async function runLoadCheckpoint(path: string): Promise<{
  config: ModelConfig;
  weights: Weights;
  adam: { m: Weights; v: Weights; step: number };
  iteration: number;
}> {
  const s = decodeStateFile(readFileSync(path), path);
  return {
    config: s.config as ModelConfig,
    weights: s.tensors,
    adam: { m: s.m, v: s.v, step: s.step },
    iteration: s.iteration,
  };
}
