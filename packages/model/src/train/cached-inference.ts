// The KV-cache inference graph and its host runner: tokens (B, S) after P cached positions → the last
// position's logits (B, V) and every layer's keys and values grown to P + S. One graph serves the prefill
// (P = 0: empty caches) and each decoding step (S = 1); positions P..P+S-1 are an input, so RoPE rotates the
// new keys at their absolute positions. The layers are the training graph's (nn/lm.ts transformerLmCached).
// Leaves out: caches kept on the device (the Node binding copies every output to the host each run), rows of
// different lengths in one batch, and sliding the window past the context length (callers re-prefill).

import type { ModelConfig } from "../config.ts";
import { Graph } from "../graph/graph.ts";
import { type TensorData, tensorOf } from "../graph/value.ts";
import { i32, type ParamMap, toHost } from "../host-tensors.ts";
import type { LayerKv } from "../nn/attention.ts";
import { transformerLmCached } from "../nn/lm.ts";
import { emitModel } from "../onnx/emit.ts";
import { Session } from "../runtime/session.ts";
import { checkInferenceInput, type InferenceOptions, inferenceParams, deviceSessionOptions } from "./inference.ts";

/** Graph input and output names of layer `i`'s cache. */
export function kvCacheNames(i: number) {
  return {
    pastKeys: `past.${i}.keys`,
    pastValues: `past.${i}.values`,
    keys: `present.${i}.keys`,
    values: `present.${i}.values`,
  };
}

/**
 * tokens int32 (B, S) [+ positions int64 (S)] + past.{i}.keys / .values float32 (B, H, P, dh) →
 * logits float32 (B, V) of the last position, present.{i}.keys / .values (B, H, P + S, dh).
 * Weights are initializers when given, else graph inputs.
 */
export function buildCachedInferenceGraph(config: ModelConfig, opts: { weights?: ParamMap } = {}): Graph {
  const g = new Graph("transformer_lm_cached");
  const params = inferenceParams(g, config, opts.weights);
  const tokens = g.input("tokens", "int32", ["B", "S"]);
  const positions = config.positional === "rope" ? g.input("positions", "int64", ["S"]) : undefined;
  const headShape = ["B", config.numHeads, "P", config.dModel / config.numHeads];
  const past: LayerKv[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const n = kvCacheNames(i);
    past.push({ keys: g.input(n.pastKeys, "float32", headShape), values: g.input(n.pastValues, "float32", headShape) });
  }
  const { logits, present } = transformerLmCached(tokens, params, config, positions, past);
  g.output("logits", logits);
  present.forEach((kv, i) => {
    const n = kvCacheNames(i);
    g.output(n.keys, kv.keys);
    g.output(n.values, kv.values);
  });
  return g;
}

/** A batch's cache on the host: per layer keys and values (B, H, length, dh), in layer order. */
export type KvCache = {
  readonly batch: number;
  readonly length: number;
  readonly layers: readonly { readonly keys: TensorData; readonly values: TensorData }[];
};

export type CachedInference = {
  /** An empty cache for `batch` rows: the first `extend` on it is the prefill. */
  emptyCache(batch: number): KvCache;
  /**
   * tokens (B, S) row-major, B = cache.batch, following the cache's tokens (length + S ≤ contextLength) →
   * logits of the last position (B, V) and the cache of all length + S tokens. The cache given is not changed.
   */
  extend(tokens: Int32Array, cache: KvCache): Promise<{ logits: Float32Array; cache: KvCache }>;
  release(): Promise<void>;
};

/** Loads the KV-cache graph with `weights` as initializers. */
export async function createCachedInference(
  config: ModelConfig,
  weights: ParamMap,
  opts: InferenceOptions = {},
): Promise<CachedInference> {
  const model = emitModel(buildCachedInferenceGraph(config, { weights }), { producer: "cs336-ts" });
  const session = await Session.create(model, deviceSessionOptions(opts));
  const [h, dh] = [config.numHeads, config.dModel / config.numHeads];
  const empty = (b: number): TensorData => ({ dtype: "float32", shape: [b, h, 0, dh], data: new Float32Array(0) });
  return {
    emptyCache(batch) {
      if (!(Number.isSafeInteger(batch) && batch >= 1)) throw new RangeError(`batch must be >= 1, got ${batch}`);
      const layers = Array.from({ length: config.numLayers }, () => ({ keys: empty(batch), values: empty(batch) }));
      return { batch, length: 0, layers };
    },
    async extend(tokens, cache) {
      const [b, s] = [cache.batch, tokens.length / cache.batch];
      if (!Number.isInteger(s)) throw new RangeError(`tokens: ${tokens.length} ids do not split into ${b} rows`);
      checkInferenceInput(config, tokens, [b, s]);
      if (cache.length + s > config.contextLength) {
        throw new RangeError(
          `${cache.length} cached + ${s} new tokens exceed the context length ${config.contextLength}; ` +
            `prefill the last ${config.contextLength} tokens into an empty cache instead`,
        );
      }
      const feeds: Record<string, TensorData> = { tokens: i32(tokens, [b, s]) };
      if (config.positional === "rope") {
        feeds.positions = tensorOf(
          "int64",
          [s],
          Array.from({ length: s }, (_, i) => cache.length + i),
        );
      }
      cache.layers.forEach((kv, i) => {
        const n = kvCacheNames(i);
        feeds[n.pastKeys] = kv.keys;
        feeds[n.pastValues] = kv.values;
      });
      const out = await session.run(feeds);
      const layers = cache.layers.map((_, i) => {
        const n = kvCacheNames(i);
        return { keys: out[n.keys]!, values: out[n.values]! };
      });
      return { logits: toHost(out.logits, "logits").data, cache: { batch: b, length: cache.length + s, layers } };
    },
    release: () => session.release(),
  };
}
