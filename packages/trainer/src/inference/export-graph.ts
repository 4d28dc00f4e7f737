// The graph `export` writes: `input_ids` int64 (batch, seq) → `logits` float32 (batch, seq, vocab), every
// weight an initializer and RoPE positions computed inside, so model.onnx needs nothing but token ids. The
// model package's exportInferenceModel (used in-process by from-checkpoint.ts) takes int32 `tokens` plus a
// `positions` input instead; export.test.ts checks that both give the same logits.
// Leaves out: a KV cache (each call recomputes the whole context) and float16 weights.
import { checkParamMap, type HostTensor, type ModelConfig, parameterSpecs, type ParamMap } from "@cs336-ts/model";
import {
  cast,
  concat,
  constantOfShape,
  emitModel,
  Graph,
  type LmParams,
  reduceSum,
  shapeOf,
  slice,
  sub,
  tensorOf,
  transformerLm,
  trilu,
  type Value,
} from "@cs336-ts/model/graph";

export const INPUT_IDS = "input_ids";
export const LOGITS = "logits";

/**
 * 0, 1, …, T-1 (int64, shape (T)) for the run-time length T of `tokens` (B, T). The IR has no Range op, so
 * the positions are the row sums of a lower-triangular (T, T) matrix of ones, minus one: O(T²) adds,
 * negligible next to attention's O(T²·C).
 */
function positionsOf(tokens: Value): Value {
  const seq = tokens.shape[1] as number | string;
  const t = slice(shapeOf(tokens), [1], [2]); // (1) = [T]
  const ones = constantOfShape(concat([t, t], 0), [seq, seq], tensorOf("float32", [1], [1])); // (T, T)
  const counts = reduceSum(trilu(ones, false, 0), [1]); // (T): 1, 2, …, T
  return cast(sub(counts, 1), "int64");
}

/** Builds the standalone export graph for `config` with `weights` as initializers. */
function buildExportGraph(config: ModelConfig, weights: ParamMap): Graph {
  const g = new Graph("cs336_transformer_lm");
  const params: LmParams = {};
  checkParamMap("weights", config, weights);
  for (const { name, shape } of parameterSpecs(config)) {
    params[name] = g.initializer(name, {
      dtype: "float32",
      shape: [...shape],
      data: (weights[name] as HostTensor).data,
    });
  }
  const tokens = g.input(INPUT_IDS, "int64", ["batch", "seq"]);
  const positions = config.positional === "rope" ? positionsOf(tokens) : undefined;
  g.output(LOGITS, transformerLm(tokens, params, config, positions)); // (B, T, V)
  return g;
}

/** The model.onnx bytes (opset 23): graph and weights. */
export function exportModelBytes(config: ModelConfig, weights: ParamMap): Uint8Array {
  return emitModel(buildExportGraph(config, weights), { producer: "cs336-ts export" });
}
