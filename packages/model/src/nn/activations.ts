// Activations composed from primitives so every float dtype runs and autodiff needs no extra rules: SiLU as
// x * sigmoid(x) (ORT's QuickGelu fusion of this pattern is float-only, which is why float64 sessions use
// optimization level "basic"), and softmax / log-sum-exp that subtract the max along the axis before Exp, so
// inputs around 100 (or logits scaled ×1000) never overflow. Reference: CS336 assignment 1, §3.4.4 (SiLU) and
// §3.5.4 (softmax). Leaves out GELU (Erf has no float64 CPU kernel); graph/ops-reduce.ts has the fused Softmax.

import { activeGraph, describe } from "../graph/graph.ts";
import { add, div, exp, log, mul, sigmoid, sub } from "../graph/ops-elementwise.ts";
import { reduceMax, reduceSum } from "../graph/ops-reduce.ts";
import { squeeze } from "../graph/ops-shape.ts";
import { normAxis } from "../graph/shape.ts";
import { isFloat, type Value } from "../graph/value.ts";

/** silu(x) = x · σ(x), elementwise. */
export function silu(x: Value): Value {
  return mul(x, sigmoid(x));
}

function checkAxis(op: string, x: Value, axis: number): number {
  const a = normAxis(axis, x.rank);
  if (a === null || !isFloat(x.dtype)) throw activeGraph(op, x).error(op, `axis ${axis} invalid for ${describe(x)}`);
  return a;
}

/** exp(x - max) / sum(exp(x - max)) along `axis`. */
export function stableSoftmax(x: Value, axis = -1): Value {
  const a = checkAxis("stableSoftmax", x, axis);
  const e = exp(sub(x, reduceMax(x, [a], true)));
  return div(e, reduceSum(e, [a], true));
}

/** log Σ exp(x) along `axis`, computed as m + log Σ exp(x - m). */
export function logSumExp(x: Value, axis = -1, keepdims = false): Value {
  const a = checkAxis("logSumExp", x, axis);
  const m = reduceMax(x, [a], true);
  const lse = add(m, log(reduceSum(exp(sub(x, m)), [a], true)));
  return keepdims ? lse : squeeze(lse, [a]);
}
