// Linear over a flattened batch: x (..., in) is viewed as one (N, in) matrix so the forward is one GEMM and,
// above all, the weight gradient is one (in, N)·(N, out) GEMM rather than a batched MatMul plus a ReduceSum
// over the batch (what MatMul's rule yields for 3-D x). Reshapes are free in ONNX Runtime (no copy).
// Leaves out: bias. Wraps ./linear.ts, which holds CS336's [out, in] convention.

import { activeGraph } from "../graph/graph.ts";
import { concat, int64s, reshape, shapeOf, slice } from "../graph/ops-shape.ts";
import { productDim } from "../graph/shape.ts";
import { type Dim, staticShape, type Value } from "../graph/value.ts";
import { linear } from "./linear.ts";

/** x (..., in) · weight [out, in]ᵀ → (..., out), computed as one 2-D matmul. */
export function dense(x: Value, weight: Value): Value {
  if (x.rank <= 2) return linear(x, weight);
  const lead = x.shape.slice(0, -1);
  const flat = reshape(x, [productDim(lead), x.shape[x.rank - 1]!]); // (N, in)
  const y = linear(flat, weight); // (N, out)
  return unflatten(y, x);
}

/** (N, out) back to (..., out) where `like` is (..., in) with the same leading axes. */
export function unflatten(y: Value, like: Value): Value {
  const out: Dim = y.shape[1]!;
  const lead = like.shape.slice(0, -1);
  const target = [...lead, out];
  if (staticShape(target)) return reshape(y, target);
  // Symbolic leading dims (B, T) cannot be recovered from N = B*T: read them from `like` at run time.
  const g = activeGraph("dense", y, like);
  const dims = concat([slice(shapeOf(like), [0], [-1]), int64s(g, [typeof out === "number" ? out : -1])], 0);
  return g.addNode("Reshape", [y, dims], {}, [{ dtype: y.dtype, shape: target }])[0]!;
}
