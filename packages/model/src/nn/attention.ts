// Causal scaled dot-product attention and multi-head self-attention with RoPE (Vaswani et al. 2017;
// CS336 assignment 1 §3.5.4–3.5.5). Q, K and V come from one fused [3C, C] projection (one GEMM instead of
// three); the causal mask is an additive 0/-inf table, a constant when T is static. With a KV cache the new
// keys and values are appended to the cached ones, so decoding runs the same code as training.
// Leaves out: dropout, grouped-query attention and fused attention kernels.

import { activeGraph, describe } from "../graph/graph.ts";
import { add, mul, sub, where } from "../graph/ops-elementwise.ts";
import { gather } from "../graph/ops-index.ts";
import { matMul, softmax } from "../graph/ops-reduce.ts";
import {
  concat,
  constantOfShape,
  END,
  reshape,
  shapeOf,
  slice,
  split,
  squeeze,
  transpose,
  trilu,
} from "../graph/ops-shape.ts";
import { type Dim, type Value, tensorOf } from "../graph/value.ts";
import { dense } from "./layers.ts";
import { applyRope } from "./rope.ts";

/**
 * 0 where query i may see key j, -inf elsewhere: scores (..., Tq, Tk) + mask is causal. The queries are the
 * last Tq of the Tk keys (query i sits at key Tk - Tq + i), so with a KV cache of P keys query i sees keys
 * ≤ P + i; without one Tq = Tk and this is the plain lower triangle.
 */
function causalMask(scores: Value): Value {
  const g = activeGraph("attention", scores);
  const tq = scores.shape[scores.rank - 2]!;
  const tk = scores.shape[scores.rank - 1]!;
  if (typeof tq === "number" && typeof tk === "number") {
    const m = new Float32Array(tq * tk);
    for (let i = 0; i < tq; i++) for (let j = tk - tq + i + 1; j < tk; j++) m[i * tk + j] = Number.NEGATIVE_INFINITY;
    return g.constant(tensorOf(scores.dtype, [tq, tk], m));
  }
  const dims = slice(shapeOf(scores), [-2], [END]); // [Tq, Tk]
  const full = constantOfShape(dims, [tq, tk], tensorOf(scores.dtype, [1], [-Infinity]));
  // Trilu keeps the -inf strictly above diagonal k = Tk - Tq + 1, zeros elsewhere.
  const at = (i: number) => gather(dims, g.constant(tensorOf("int64", [], [i]))); // an int64 scalar
  const k = tq === tk ? 1 : add(sub(at(1), at(0)), 1);
  return trilu(full, true, k);
}

/**
 * softmax(q kᵀ / sqrt(d)) v. q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv) → (..., Tq, dv).
 * mask: "causal", a bool (..., Tq, Tk) Value broadcasting against the scores (true = attend), or none.
 */
export function scaledDotProductAttention(q: Value, k: Value, v: Value, mask?: Value | "causal"): Value {
  const g = activeGraph("attention", q, k, v);
  const d = q.shape[q.rank - 1];
  if (typeof d !== "number" || q.rank < 2 || k.rank !== q.rank || v.rank !== q.rank) {
    throw g.error("attention", `q ${describe(q)}, k ${describe(k)}, v ${describe(v)} must share rank with static d`);
  }
  // Scaling q (…, T, d) costs less than scaling the (…, T, T) scores.
  const qs = mul(q, 1 / Math.sqrt(d));
  let scores = matMul(
    qs,
    transpose(
      k,
      [...k.shape.keys()].map((i) => (i < k.rank - 2 ? i : 2 * k.rank - 3 - i)),
    ),
  ); // (..., Tq, Tk)
  if (mask === "causal") scores = add(scores, causalMask(scores));
  else if (mask) {
    if (mask.dtype !== "bool") throw g.error("attention", `mask must be bool (true = attend), got ${describe(mask)}`);
    scores = where(mask, scores, Number.NEGATIVE_INFINITY);
  }
  return matMul(softmax(scores, -1), v); // (..., Tq, dv)
}

export type AttentionWeights = { q: Value; k: Value; v: Value; o: Value };
/** cos/sin from `ropeAngles`, shaped to broadcast against (B, H, T, d/2, 1); omit for NoPE. */
export type RopeAngles = { cos: Value; sin: Value };
/** One layer's keys and values, (B, H, P, dh) each; keys already rotated by RoPE at their positions. */
export type LayerKv = { keys: Value; values: Value };
/** A layer's KV cache: attention reads `past` and sets `present` to past + this call's T (B, H, P + T, dh). */
export type KvSlot = { past: LayerKv; present?: LayerKv };

/**
 * Causal multi-head self-attention: x (B, T, C) → (B, T, C), numHeads heads of size C / numHeads. With a
 * cache the T new tokens follow the slot's P cached ones (RoPE angles must then be those of positions
 * P..P+T-1) and attend to all P + T keys.
 */
export function multiheadSelfAttention(
  x: Value,
  w: AttentionWeights,
  numHeads: number,
  rope?: RopeAngles,
  cache?: KvSlot,
): Value {
  const g = activeGraph("attention", x);
  const c = x.shape[2];
  if (x.rank !== 3 || typeof c !== "number" || c % numHeads !== 0) {
    throw g.error("attention", `x ${describe(x)} must be (B, T, C) with C divisible by numHeads ${numHeads}`);
  }
  const [b, t] = x.shape as [Dim, Dim];
  const dh = c / numHeads;
  const qkv = dense(x, concat([w.q, w.k, w.v], 0)); // (B, T, 3C)
  const heads = transpose(reshape(qkv, [b, t, 3, numHeads, dh]), [2, 0, 3, 1, 4]); // (3, B, H, T, dh)
  let [q, k, v] = split(heads, 0, [1, 1, 1]).map((h) => squeeze(h, [0])) as [Value, Value, Value]; // (B, H, T, dh)
  if (rope) {
    q = applyRope(q, rope.cos, rope.sin);
    k = applyRope(k, rope.cos, rope.sin);
  }
  if (cache) {
    k = concat([cache.past.keys, k], 2); // (B, H, P + T, dh)
    v = concat([cache.past.values, v], 2);
    cache.present = { keys: k, values: v };
  }
  const y = scaledDotProductAttention(q, k, v, "causal"); // (B, H, T, dh)
  return dense(reshape(transpose(y, [0, 2, 1, 3]), [b, t, c]), w.o); // (B, T, C)
}
