// In-process inference for generate, eval and the demo: the model package's inference session
// (packages/model/src/train/inference.ts: weights as initializers, symbolic batch and length) adapted to the
// two shapes the trainer asks for: next-token logits of one context, and logits of a batch of windows.
// Ids and lengths are checked on the host before each run (by createInference).
// Leaves out: a KV cache; generation reruns the (cropped) context each step.
import type { ModelConfig } from "@cs336-ts/model/config.ts";
import type { ParamMap } from "@cs336-ts/model/init.ts";
import type { Device } from "@cs336-ts/model/runtime/session.ts";
import { createInference } from "@cs336-ts/model/train/inference.ts";
import { type Checkpoint, loadCheckpoint } from "./checkpoint.ts";
import type { BatchLogitsModel } from "./eval.ts";
import type { NextTokenModel } from "./generate.ts";

export type InferenceModel = NextTokenModel &
  BatchLogitsModel & {
    readonly config: ModelConfig;
    release(): Promise<void>;
  };

export type InferenceOptions = { device?: Device; threads?: number };

/** A session for `config` with `weights`. */
export async function createInferenceModel(
  config: ModelConfig,
  weights: ParamMap,
  opts: InferenceOptions = {},
): Promise<InferenceModel> {
  const lm = await createInference(config, weights, {
    device: opts.device ?? "cpu",
    ...(opts.threads ? { intraOpThreads: opts.threads } : {}),
  });
  const V = config.vocabSize;
  return {
    config,
    vocabSize: V,
    contextLength: config.contextLength,
    async lastLogits(context) {
      const all = await lm.logits(context, [1, context.length]);
      return all.subarray((context.length - 1) * V, context.length * V);
    },
    logits: (ids, B, T) => lm.logits(ids, [B, T]),
    release: () => lm.release(),
  };
}

/** Loads a checkpoint (weights only are used) and builds its inference session. */
export async function loadInferenceModel(
  checkpointPath: string,
  opts: InferenceOptions = {},
): Promise<{ checkpoint: Checkpoint; model: InferenceModel }> {
  const checkpoint = loadCheckpoint(checkpointPath);
  const model = await createInferenceModel(checkpoint.model, checkpoint.state.params, opts);
  return { checkpoint, model };
}
