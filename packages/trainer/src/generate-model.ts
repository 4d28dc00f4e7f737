// In-process inference over the standalone inference graph (export-graph.ts): one ONNX Runtime session per
// model, serving both next-token logits for generation and batched logits for evaluation. Weights live in
// the session as initializers, so each call only copies the token ids in and the logits out.
// Leaves out: a KV cache; generation reruns the (cropped) context each step.
import type { ModelConfig } from "@cs336-ts/model/config.ts";
import type { ParamMap } from "@cs336-ts/model/init.ts";
import { type Device, Session } from "@cs336-ts/model/runtime/session.ts";
import { type Checkpoint, loadCheckpoint } from "./checkpoint.ts";
import type { BatchLogitsModel } from "./eval.ts";
import { INPUT_IDS, inferenceModelBytes, LOGITS } from "./export-graph.ts";
import type { NextTokenModel } from "./generate.ts";

export type InferenceModel = NextTokenModel &
  BatchLogitsModel & {
    readonly config: ModelConfig;
    release(): Promise<void>;
  };

export type InferenceOptions = { device?: Device; threads?: number };

/** A session for `config` with `weights`; ids are range-checked on the host before each run. */
export async function createInferenceModel(
  config: ModelConfig,
  weights: ParamMap,
  opts: InferenceOptions = {},
): Promise<InferenceModel> {
  const session = await Session.create(inferenceModelBytes(config, weights), {
    device: opts.device ?? "cpu",
    ...(opts.threads ? { intraOpThreads: opts.threads } : {}),
  });
  const V = config.vocabSize;
  const run = async (ids: ArrayLike<number>, B: number, T: number): Promise<Float32Array> => {
    if (T > config.contextLength) {
      throw new RangeError(`sequence length ${T} exceeds the model's context length ${config.contextLength}`);
    }
    const data = new BigInt64Array(B * T);
    for (let i = 0; i < B * T; i++) {
      const id = ids[i] as number;
      if (!(id >= 0 && id < V))
        throw new RangeError(`token id ${id} not in [0, ${V}): the tokenizer does not match the model`);
      data[i] = BigInt(id);
    }
    const out = await session.run({ [INPUT_IDS]: { dtype: "int64", shape: [B, T], data } }, [LOGITS]);
    return out[LOGITS]?.data as Float32Array;
  };
  return {
    config,
    vocabSize: V,
    contextLength: config.contextLength,
    async lastLogits(context) {
      const all = await run(context, 1, context.length);
      return all.subarray((context.length - 1) * V, context.length * V);
    },
    logits: (ids, B, T) => run(ids, B, T),
    release: () => session.release(),
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
