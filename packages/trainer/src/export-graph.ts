// The inference graph: `input_ids` int64 (batch, seq) → `logits` float32 (batch, seq, vocab), with every
// weight stored inside the model as an initializer, so the bytes are a standalone model.onnx that any ONNX
// Runtime can load. The same bytes back in-process inference (generate, eval): one graph, one code path.
// Batch and sequence length are symbolic; RoPE positions 0..seq-1 are computed inside the graph.
// Leaves out: a KV cache (each call recomputes the whole context) and float16 weights.
import { type ModelConfig, parameterSpecs } from "@cs336-ts/model/config.ts";
import { Graph } from "@cs336-ts/model/graph/graph.ts";
import { cast, sub } from "@cs336-ts/model/graph/ops-elementwise.ts";
import { reduceSum } from "@cs336-ts/model/graph/ops-reduce.ts";
import { concat, constantOfShape, shapeOf, slice, trilu } from "@cs336-ts/model/graph/ops-shape.ts";
import { tensorOf, type Value } from "@cs336-ts/model/graph/value.ts";
import type { ParamMap } from "@cs336-ts/model/init.ts";
import type { LmParams } from "@cs336-ts/model/nn/lm.ts";
import { transformerLm } from "@cs336-ts/model/nn/lm.ts";
import { emitModel } from "@cs336-ts/model/onnx/emit.ts";

export const INPUT_IDS = "input_ids";
export const LOGITS = "logits";

/**
 * 0, 1, …, T-1 (int64, shape (T)) for the run-time length T of `tokens` (B, T). The IR has no Range op, so
 * the positions are the row sums of a lower-triangular (T, T) matrix of ones, minus one: O(T²) adds,
 * negligible next to attention's O(T²·C).
 */
export function positionsOf(tokens: Value): Value {
  const seq = tokens.shape[1] as number | string;
  const t = slice(shapeOf(tokens), [1], [2]); // (1) = [T]
  const ones = constantOfShape(concat([t, t], 0), [seq, seq], tensorOf("float32", [1], [1])); // (T, T)
  const counts = reduceSum(trilu(ones, false, 0), [1]); // (T): 1, 2, …, T
  return cast(sub(counts, 1), "int64");
}

/** Builds the standalone inference graph for `config` with `weights` as initializers. */
export function buildInferenceGraph(config: ModelConfig, weights: ParamMap): Graph {
  const g = new Graph("cs336_transformer_lm");
  const params: LmParams = {};
  for (const spec of parameterSpecs(config)) {
    const w = weights[spec.name];
    if (!w) throw new Error(`the weights lack "${spec.name}" (shape [${spec.shape}]) that this config needs`);
    if (w.shape.join(",") !== spec.shape.join(",")) {
      throw new Error(`weight "${spec.name}" has shape [${w.shape}], the config needs [${spec.shape}]`);
    }
    params[spec.name] = g.initializer(spec.name, { dtype: "float32", shape: [...w.shape], data: w.data });
  }
  const tokens = g.input(INPUT_IDS, "int64", ["batch", "seq"]);
  const positions = config.positional === "rope" ? positionsOf(tokens) : undefined;
  g.output(LOGITS, transformerLm(tokens, params, config, positions)); // (B, T, V)
  return g;
}

/** The model.onnx bytes (opset 23): graph and weights. */
export function inferenceModelBytes(config: ModelConfig, weights: ParamMap): Uint8Array {
  return emitModel(buildInferenceGraph(config, weights), { producer: "cs336-ts export" });
}
