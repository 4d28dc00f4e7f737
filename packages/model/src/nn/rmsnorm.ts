// RMSNorm (Zhang & Sennrich 2019; CS336 assignment 1 §3.4.1): x / sqrt(mean(x²) + eps) · g over the last
// axis. Computed in float32 whatever the input dtype (a float16 stream is upcast and the result cast back),
// as the handout asks, since the mean of squares overflows or loses precision in half precision.
// Leaves out: a bias term (CS336 has none).

import { activeGraph, describe } from "../graph/graph.ts";
import { add, cast, mul, reciprocal, sqrt } from "../graph/ops-elementwise.ts";
import { reduceMean } from "../graph/ops-reduce.ts";
import { sameDim } from "../graph/shape.ts";
import type { Value } from "../graph/value.ts";

/** x (..., C), gain [C] → (..., C) in x's dtype. */
export function rmsNorm(x: Value, gain: Value, eps = 1e-5): Value {
  const g = activeGraph("rmsNorm", x, gain);
  if (gain.rank !== 1 || !sameDim(x.shape[x.rank - 1]!, gain.shape[0]!)) {
    throw g.error("rmsNorm", `gain ${describe(gain)} must be [C] for x ${describe(x)} (…, C)`);
  }
  const compute = x.dtype === "float64" ? "float64" : "float32";
  const xf = x.dtype === compute ? x : cast(x, compute);
  const gf = gain.dtype === compute ? gain : cast(gain, compute);
  // 1/rms on (..., 1) first, so the (..., C) work is two multiplies instead of a divide.
  const inv = reciprocal(sqrt(add(reduceMean(mul(xf, xf), [-1], true), eps))); // (..., 1)
  const y = mul(mul(xf, inv), gf); // (..., C)
  return y.dtype === x.dtype ? y : cast(y, x.dtype);
}
