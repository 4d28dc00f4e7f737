// The Transformer's small layers as graph builders (CS336 assignment 1 §3.4–3.6): bias-free Linear with CS336's
// [out, in] weights, token Embedding, RMSNorm, SiLU, the SwiGLU feed-forward (and its ungated SiLU ablation),
// stable softmax / log-sum-exp and the mean cross-entropy. Everything is composed from primitives, so every
// float dtype runs and autodiff needs no extra rules. Leaves out biases, dropout, GELU (Erf has no float64 CPU
// kernel) and label smoothing; graph/ops-reduce.ts has the fused Softmax.

import { activeGraph, describe } from "../graph/graph.ts";
import {
  add,
  cast,
  div,
  equal,
  exp,
  log,
  mul,
  reciprocal,
  sigmoid,
  sqrt,
  sub,
  where,
} from "../graph/ops-elementwise.ts";
import { gather } from "../graph/ops-index.ts";
import { matMul, reduceMax, reduceMean, reduceSum } from "../graph/ops-reduce.ts";
import { concat, int64s, reshape, shapeOf, slice, split, squeeze, transpose, unsqueeze } from "../graph/ops-shape.ts";
import { normAxis, productDim, sameDim, sameShape } from "../graph/shape.ts";
import { type Dim, isFloat, staticShape, tensorOf, type Value } from "../graph/value.ts";

/** x (..., in) · weight [out, in]ᵀ → (..., out). */
export function linear(x: Value, weight: Value): Value {
  const g = activeGraph("linear", x, weight);
  if (weight.rank !== 2 || x.rank < 1 || !sameDim(x.shape[x.rank - 1]!, weight.shape[1]!)) {
    throw g.error("linear", `x ${describe(x)} needs last dim = in of weight ${describe(weight)} ([out, in])`);
  }
  return matMul(x, transpose(weight, [1, 0])); // (..., out)
}

/**
 * `linear` over a flattened batch: x (..., in) is viewed as one (N, in) matrix so the forward is one GEMM and,
 * above all, the weight gradient is one (in, N)·(N, out) GEMM rather than a batched MatMul plus a ReduceSum
 * over the batch (what MatMul's rule yields for 3-D x). Reshapes are free in ONNX Runtime (no copy).
 */
export function dense(x: Value, weight: Value): Value {
  if (x.rank <= 2) return linear(x, weight);
  const lead = x.shape.slice(0, -1);
  const flat = reshape(x, [productDim(lead), x.shape[x.rank - 1]!]); // (N, in)
  return unflatten(linear(flat, weight), x); // (N, out) → (..., out)
}

/** (N, out) back to (..., out) where `like` is (..., in) with the same leading axes. */
function unflatten(y: Value, like: Value): Value {
  const out: Dim = y.shape[1]!;
  const target = [...like.shape.slice(0, -1), out];
  if (staticShape(target)) return reshape(y, target);
  // Symbolic leading dims (B, T) cannot be recovered from N = B*T: read them from `like` at run time.
  const g = activeGraph("dense", y, like);
  const dims = concat([slice(shapeOf(like), [0], [-1]), int64s(g, [typeof out === "number" ? out : -1])], 0);
  return g.addNode("Reshape", [y, dims], {}, [{ dtype: y.dtype, shape: target }])[0]!;
}

/**
 * Rows of weight [vocab, d] for ids (...) int32/int64 → (..., d); the gradient is Gather's ScatterND-add. Ids are
 * data, unknown at build time: an id ≥ vocab fails inside ORT and a negative one wraps, so host callers check
 * them first (checkTokenIds).
 */
export function embedding(weight: Value, ids: Value): Value {
  const g = activeGraph("embedding", weight, ids);
  if (weight.rank !== 2) throw g.error("embedding", `weight must be [vocab, d_model], got ${describe(weight)}`);
  return gather(weight, ids, 0);
}

/**
 * RMSNorm (Zhang & Sennrich 2019): x / sqrt(mean(x²) + eps) · g over the last axis, x (..., C), gain [C] →
 * (..., C) in x's dtype. Computed in float32 whatever the input dtype (a float16 stream is upcast and the result
 * cast back), as the handout asks: the mean of squares overflows or loses precision in half precision.
 */
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

/**
 * silu(x) = x · σ(x), elementwise. ORT's QuickGelu fusion of this pattern is float-only, which is why float64
 * sessions use optimization level "basic".
 */
export function silu(x: Value): Value {
  return mul(x, sigmoid(x));
}

export type FfnWeights = { w1: Value; w2: Value; w3?: Value };

/** SwiGLU (Shazeer 2020): w2(silu(w1 x) ⊙ w3 x), w1, w3 [d_ff, C], w2 [C, d_ff]; x (..., C) → (..., C). */
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

/** The ungated ablation used to compare gated and ungated FFNs: w2(silu(w1 x)), x (..., C) → (..., C). */
export function siluFfn(x: Value, w: FfnWeights): Value {
  return dense(silu(dense(x, w.w1)), w.w2);
}

function checkAxis(op: string, x: Value, axis: number): number {
  const a = normAxis(axis, x.rank);
  if (a === null || !isFloat(x.dtype)) throw activeGraph(op, x).error(op, `axis ${axis} invalid for ${describe(x)}`);
  return a;
}

/** exp(x - max) / sum(exp(x - max)) along `axis`: inputs around 100 (or logits ×1000) never overflow. */
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

/**
 * Mean cross-entropy over rows, logits (..., V) float, targets (...) int32/int64 → scalar; V must be static.
 * logsumexp(logits) - logits[target], with the target logit picked by Equal(targets, arange(V)) + Where, so the
 * gradient comes from the table's primitives (softmax - onehot in effect). Trap: a target outside [0, V) matches
 * no column and silently picks 0, so callers check targets on the host (checkTokenIds).
 */
export function crossEntropy(logits: Value, targets: Value): Value {
  const g = activeGraph("crossEntropy", logits, targets);
  const vocab = logits.shape[logits.rank - 1];
  const intTargets = targets.dtype === "int64" || targets.dtype === "int32";
  if (typeof vocab !== "number" || !intTargets || !sameShape(logits.shape.slice(0, -1), targets.shape)) {
    throw g.error(
      "crossEntropy",
      `logits ${describe(logits)} must be (..., V) with static V and targets ${describe(targets)} int (...) ` +
        "with the same leading shape",
    );
  }
  const ids = g.constant(
    tensorOf(
      "int64",
      [vocab],
      Array.from({ length: vocab }, (_, i) => i),
    ),
  );
  const t = targets.dtype === "int64" ? targets : cast(targets, "int64");
  const onehot = equal(unsqueeze(t, [-1]), ids); // (..., V) bool
  const picked = reduceSum(where(onehot, logits, 0), [-1]); // (...)
  const perRow = sub(logSumExp(logits, -1), picked); // (...)
  return perRow.rank === 0
    ? perRow
    : reduceMean(
        perRow,
        perRow.shape.map((_, i) => i),
      );
}
