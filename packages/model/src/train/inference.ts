// The inference graph: tokens (B, T) → logits (B, T, V), with symbolic B and T, a `positions` (T) input when
// the model uses RoPE, and weights either as graph inputs (fed per run) or as initializers (a standalone
// model file, what `export` writes). `createInference` wraps it for the host. Decoding one token at a time
// uses the KV-cache graph of cached-inference.ts instead, which shares this file's weights and session options.

import { type ModelConfig, parameterSpecs } from "../config.ts";
import { Graph } from "../graph/graph.ts";
import { tensorOf, type Value } from "../graph/value.ts";
import { checkParamMap, checkTokenIds, f32, i32, type ParamMap, toHost } from "../host-tensors.ts";
import { transformerLm } from "../nn/lm.ts";
import { emitModel } from "../onnx/emit.ts";
import { type Device, Session, type SessionOptions } from "../runtime/session.ts";

export type InferenceGraphOptions = {
  /** store these weights inside the model as initializers; otherwise they are graph inputs */
  weights?: ParamMap;
  /** static batch / sequence sizes; default symbolic "B" and "T" */
  batch?: number;
  seqLen?: number;
};

/** The parameters of `config` in `g`: initializers holding `weights`, or graph inputs without them. */
export function inferenceParams(g: Graph, config: ModelConfig, weights?: ParamMap): Record<string, Value> {
  if (weights) checkParamMap("weights", config, weights);
  const params: Record<string, Value> = {};
  for (const s of parameterSpecs(config)) {
    const w = weights?.[s.name];
    params[s.name] = w ? g.initializer(s.name, f32(w)) : g.input(s.name, "float32", s.shape);
  }
  return params;
}

/** tokens int32 (B, T) [+ positions int64 (T)] → logits float32 (B, T, V). */
export function buildInferenceGraph(config: ModelConfig, opts: InferenceGraphOptions = {}): Graph {
  const g = new Graph("transformer_lm");
  const params = inferenceParams(g, config, opts.weights);
  const t = opts.seqLen ?? "T";
  const tokens = g.input("tokens", "int32", [opts.batch ?? "B", t]);
  const positions = config.positional === "rope" ? g.input("positions", "int64", [t]) : undefined;
  g.output("logits", transformerLm(tokens, params, config, positions));
  return g;
}

/** A standalone ONNX model with the weights inside (for `export`). */
export function exportInferenceModel(config: ModelConfig, weights: ParamMap): Uint8Array {
  return emitModel(buildInferenceGraph(config, { weights }), { producer: "cs336-ts" });
}

export type Inference = {
  /** logits (B, T, V) for tokens (B, T), T ≤ contextLength, positions 0..T-1 */
  logits(tokens: Int32Array, shape: [number, number]): Promise<Float32Array>;
  release(): Promise<void>;
};

export type InferenceOptions = { device?: Device; deviceId?: number; intraOpThreads?: number };

/** Where a session runs (device, device id, threads): the options every session of this package shares. */
export function deviceSessionOptions(opts: InferenceOptions): SessionOptions {
  return {
    device: opts.device ?? "cpu",
    ...(opts.deviceId !== undefined && { deviceId: opts.deviceId }),
    ...(opts.intraOpThreads !== undefined && { intraOpThreads: opts.intraOpThreads }),
  };
}

/** Loads the inference graph with `weights` as initializers. */
export async function createInference(
  config: ModelConfig,
  weights: ParamMap,
  opts: InferenceOptions = {},
): Promise<Inference> {
  const session = await Session.create(exportInferenceModel(config, weights), deviceSessionOptions(opts));
  return {
    async logits(tokens, [b, t]) {
      checkInferenceInput(config, tokens, [b, t]);
      const feeds: Parameters<Session["run"]>[0] = { tokens: i32(tokens, [b, t]) };
      if (config.positional === "rope")
        feeds.positions = tensorOf(
          "int64",
          [t],
          Array.from({ length: t }, (_, i) => i),
        );
      return toHost((await session.run(feeds)).logits, "logits").data;
    },
    release: () => session.release(),
  };
}

/** Shape, length and id checks for a (B, T) token batch. */
export function checkInferenceInput(config: ModelConfig, tokens: ArrayLike<number>, [b, t]: [number, number]): void {
  if (!(Number.isSafeInteger(b) && b >= 1 && Number.isSafeInteger(t) && t >= 1) || tokens.length !== b * t) {
    throw new RangeError(`tokens: shape [${b}, ${t}] needs ${b * t} ids, got ${tokens.length}`);
  }
  if (t > config.contextLength) {
    throw new RangeError(
      `sequence length ${t} exceeds the context length ${config.contextLength}; keep the last ${config.contextLength} tokens`,
    );
  }
  checkTokenIds("tokens", tokens, config.vocabSize);
}
