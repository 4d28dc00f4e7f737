// The position-wise feed-forward networks of CS336 assignment 1 §3.4.4: SwiGLU (Shazeer 2020),
// w2(silu(w1 x) ⊙ w3 x), and the SiLU ablation w2(silu(w1 x)) used to compare gated and ungated FFNs.
// Weights are CS336's [out, in]: w1, w3 [d_ff, C], w2 [C, d_ff]. All projections are 2-D GEMMs over the
// flattened (B·T) rows (see dense.ts). Leaves out biases and dropout.

import { concat, split } from "../graph/ops-shape.ts";
import { mul } from "../graph/ops-elementwise.ts";
import type { Value } from "../graph/value.ts";
import { silu } from "./activations.ts";
import { dense } from "./dense.ts";

export type FfnWeights = { w1: Value; w2: Value; w3?: Value };

/** x (..., C) → (..., C). */
export function swiglu(x: Value, w: Required<FfnWeights>): Value {
  const dFf = w.w1.shape[0];
  if (typeof dFf === "number" && typeof w.w3.shape[0] === "number") {
    // One [N, 2·d_ff] matmul instead of two [N, d_ff] ones: bigger GEMMs run closer to peak, and the
    // backward gets one weight-gradient GEMM for both projections.
    const [a, b] = split(dense(x, concat([w.w1, w.w3], 0)), -1, [dFf, w.w3.shape[0] as number]); // (..., d_ff) ×2
    return dense(mul(silu(a!), b!), w.w2); // (..., C)
  }
  return dense(mul(silu(dense(x, w.w1)), dense(x, w.w3)), w.w2);
}

/** The ungated ablation: w2(silu(w1 x)), x (..., C) → (..., C). */
export function siluFfn(x: Value, w: FfnWeights): Value {
  return dense(silu(dense(x, w.w1)), w.w2);
}
