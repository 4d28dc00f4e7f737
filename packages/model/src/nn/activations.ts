// Activations composed from primitives so every float dtype runs: SiLU as x * sigmoid(x) (ORT's QuickGelu
// fusion of this pattern is float-only, which is why float64 sessions use optimization level "basic").
// Reference: CS336 assignment 1, §3.4.4 (SwiGLU's SiLU). Leaves out GELU (Erf has no float64 CPU kernel).

import { mul, sigmoid } from "../graph/ops-elementwise.ts";
import type { Value } from "../graph/value.ts";

/** silu(x) = x · σ(x), elementwise. */
export function silu(x: Value): Value {
  return mul(x, sigmoid(x));
}
