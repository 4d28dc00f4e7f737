// Bias-free linear layer as in CS336: weight is [out, in] and y = x W^T, over any leading axes.
// Reference: CS336 assignment 1, §3.4.2 (Linear). Leaves out bias and initialization (see ../init.ts).

import { activeGraph, describe } from "../graph/graph.ts";
import { matMul } from "../graph/ops-reduce.ts";
import { transpose } from "../graph/ops-shape.ts";
import { sameDim } from "../graph/shape.ts";
import type { Value } from "../graph/value.ts";

/** x (..., in) · weight [out, in]ᵀ → (..., out). */
export function linear(x: Value, weight: Value): Value {
  const g = activeGraph("linear", x, weight);
  if (weight.rank !== 2 || x.rank < 1 || !sameDim(x.shape[x.rank - 1]!, weight.shape[1]!)) {
    throw g.error("linear", `x ${describe(x)} needs last dim = in of weight ${describe(weight)} ([out, in])`);
  }
  return matMul(x, transpose(weight, [1, 0])); // (..., out)
}
