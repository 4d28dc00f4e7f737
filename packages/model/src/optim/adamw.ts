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

/**
 * One AdamW step for every parameter. `t` is the step number after this update (1 for the first step), any
 * numeric scalar; `lr` a float scalar. Returns the updated parameters and moments (same shapes).
 */
export function adamwStep(state: AdamwSlots, grads: readonly Value[], lr: Value, t: Value, hp: AdamwHyper): AdamwSlots {
  const g = activeGraph("AdamW", lr, t, ...state.params);
  if (
    grads.length !== state.params.length ||
    state.m.length !== state.params.length ||
    state.v.length !== state.params.length
  ) {
    throw g.error("AdamW", `${state.params.length} parameters need as many gradients, m and v tensors`);
  }
  const dtype = lr.dtype;
  // Scalars, once per step: bias corrections in float64, then back to the parameter dtype.
  const t64 = cast(t, "float64");
  const bc1 = sub(1, pow(g.scalar(hp.beta1, "float64"), t64));
  const bc2 = sub(1, pow(g.scalar(hp.beta2, "float64"), t64));
  const lr64 = cast(lr, "float64");
  const stepSize = cast(div(lr64, bc1), dtype); // lr / (1 − β1ᵗ)
  const invSqrtBc2 = cast(div(1, sqrt(bc2)), dtype); // 1 / sqrt(1 − β2ᵗ)
  const decay = cast(sub(1, mul(lr64, hp.weightDecay)), dtype); // 1 − lr·wd
  const out: AdamwSlots = { params: [], m: [], v: [] };
  state.params.forEach((p, i) => {
    const gi = grads[i]!;
    const m = add(mul(state.m[i]!, hp.beta1), mul(gi, 1 - hp.beta1));
    const v = add(mul(state.v[i]!, hp.beta2), mul(mul(gi, gi), 1 - hp.beta2));
    const denom = add(mul(sqrt(v), invSqrtBc2), hp.eps);
    out.params.push(sub(mul(p, decay), div(mul(m, stepSize), denom)));
    out.m.push(m);
    out.v.push(v);
  });
  return out;
}
