// AdamW as graph ops (Loshchilov & Hutter 2019), with torch.optim.AdamW's exact order: decoupled weight decay
// p ← p·(1 − lr·wd) on the old parameter, then the Adam step with bias corrections 1 − βᵗ computed from the
// step count t (in float64, since 0.999ᵗ loses digits in float32). Used inside the K-step training Loop.
// Leaves out: amsgrad, per-parameter-group hyperparameters, skipping decay for gains.

import { activeGraph } from "../graph/graph.ts";
import { add, cast, div, mul, pow, sqrt, sub } from "../graph/ops-elementwise.ts";
import type { Value } from "../graph/value.ts";

export type AdamwHyper = { beta1: number; beta2: number; eps: number; weightDecay: number };

export const ADAMW_DEFAULTS: Readonly<AdamwHyper> = Object.freeze({
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
});

/** Checks hyperparameters once at the boundary. */
export function validateAdamw(hp: AdamwHyper): AdamwHyper {
  for (const b of ["beta1", "beta2"] as const) {
    if (!(hp[b] >= 0 && hp[b] < 1)) throw new RangeError(`${b} must lie in [0, 1), got ${hp[b]}`);
  }
  if (!(hp.eps > 0)) throw new RangeError(`eps must be > 0, got ${hp.eps}`);
  if (!(hp.weightDecay >= 0)) throw new RangeError(`weight decay must be >= 0, got ${hp.weightDecay}`);
  return hp;
}

export type AdamwSlots = { params: Value[]; m: Value[]; v: Value[] };

/** Extras that let clipping share AdamW's passes (train/train-step.ts). */
export type AdamwGradExtras = {
  /** scalar the gradients are multiplied by first (the clip factor), folded into the moment coefficients */
  gradScale?: Value;
  /** each gradient squared, already computed for the global norm, reused for the second moment */
  gradSquares?: readonly Value[];
};

/**
 * One AdamW step for every parameter. `t` is the step number after this update (1 for the first step), any
 * numeric scalar; `lr` a float scalar. Returns the updated parameters and moments (same shapes).
 *
 * torch's update p ← p·(1 − lr·wd) − (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps) is computed as
 * p·decay − m / (sqrt(v) + eps·sqrt(bc2)) · (lr·sqrt(bc2) / bc1): the same value with the bias corrections in
 * two scalars; with clipping folded in (`extras`) a step costs 13 elementwise passes per parameter, not 16.
 */
export function adamwStep(
  state: AdamwSlots,
  grads: readonly Value[],
  lr: Value,
  t: Value,
  hp: AdamwHyper,
  extras: AdamwGradExtras = {},
): AdamwSlots {
  const g = activeGraph("AdamW", lr, t, ...state.params);
  const n = state.params.length;
  if (grads.length !== n || state.m.length !== n || state.v.length !== n) {
    throw g.error("AdamW", `${n} parameters need as many gradients, m and v tensors`);
  }
  if (extras.gradSquares && extras.gradSquares.length !== n) {
    throw g.error("AdamW", `${n} parameters need as many squared gradients, got ${extras.gradSquares.length}`);
  }
  const dtype = lr.dtype;
  // Scalars, once per step: bias corrections in float64 (0.999ᵗ loses digits in float32), then the dtype.
  const t64 = cast(t, "float64");
  const bc1 = sub(1, pow(g.scalar(hp.beta1, "float64"), t64));
  const sqrtBc2 = sqrt(sub(1, pow(g.scalar(hp.beta2, "float64"), t64)));
  const lr64 = cast(lr, "float64");
  const stepSize = cast(div(mul(lr64, sqrtBc2), bc1), dtype); // lr·sqrt(1 − β2ᵗ) / (1 − β1ᵗ)
  const epsHat = cast(mul(sqrtBc2, hp.eps), dtype); // eps·sqrt(1 − β2ᵗ)
  const decay = hp.weightDecay === 0 ? null : cast(sub(1, mul(lr64, hp.weightDecay)), dtype); // 1 − lr·wd
  const s = extras.gradScale;
  const a1 = s ? mul(s, 1 - hp.beta1) : g.scalar(1 - hp.beta1, dtype); // (1 − β1)·scale
  const a2 = s ? mul(mul(s, s), 1 - hp.beta2) : g.scalar(1 - hp.beta2, dtype); // (1 − β2)·scale²
  const out: AdamwSlots = { params: [], m: [], v: [] };
  state.params.forEach((p, i) => {
    const gi = grads[i]!;
    const sq = extras.gradSquares?.[i] ?? mul(gi, gi);
    const m = add(mul(state.m[i]!, hp.beta1), mul(gi, a1));
    const v = add(mul(state.v[i]!, hp.beta2), mul(sq, a2));
    const update = mul(div(m, add(sqrt(v), epsHat)), stepSize);
    out.params.push(sub(decay ? mul(p, decay) : p, update));
    out.m.push(m);
    out.v.push(v);
  });
  return out;
}
