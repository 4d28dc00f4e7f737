// Slow, obviously-correct float64 host versions of AdamW and global-norm gradient clipping, mirroring
// torch.optim.AdamW (decoupled weight decay, bias corrections from the step count) and
// torch.nn.utils.clip_grad_norm_. Tests compare the in-graph float32 versions against these.
// Leaves out: amsgrad, maximize, foreach/fused variants.

import type { AdamwHyper } from "../../src/optim/adamw.ts";

export type AdamwState = { m: Float64Array[]; v: Float64Array[]; step: number };

export function adamwInit(params: readonly ArrayLike<number>[]): AdamwState {
  return {
    m: params.map((p) => new Float64Array(p.length)),
    v: params.map((p) => new Float64Array(p.length)),
    step: 0,
  };
}

/** One AdamW step in place: params, m and v are updated; state.step is incremented first (t starts at 1). */
export function adamwStepReference(
  params: Float64Array[],
  grads: readonly ArrayLike<number>[],
  state: AdamwState,
  lr: number,
  hp: AdamwHyper,
): void {
  state.step += 1;
  const t = state.step;
  const bc1 = 1 - hp.beta1 ** t;
  const bc2 = 1 - hp.beta2 ** t;
  const stepSize = lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  params.forEach((p, i) => {
    const g = grads[i]!;
    const m = state.m[i]!;
    const v = state.v[i]!;
    for (let j = 0; j < p.length; j++) {
      // torch: p.mul_(1 - lr*wd) happens before the Adam update, on the old parameter.
      p[j]! *= 1 - lr * hp.weightDecay;
      const gj = g[j]!;
      m[j] = hp.beta1 * m[j]! + (1 - hp.beta1) * gj;
      v[j] = hp.beta2 * v[j]! + (1 - hp.beta2) * gj * gj;
      p[j]! -= (stepSize * m[j]!) / (Math.sqrt(v[j]!) / bc2Sqrt + hp.eps);
    }
  });
}

/** Global L2 norm over all gradients. */
export function globalNormReference(grads: readonly ArrayLike<number>[]): number {
  let sum = 0;
  for (const g of grads) for (let j = 0; j < g.length; j++) sum += g[j]! * g[j]!;
  return Math.sqrt(sum);
}

/** torch's clip_grad_norm_: scale by min(1, maxNorm / (norm + 1e-6)); returns new arrays and the norm. */
export function clipReference(
  grads: readonly ArrayLike<number>[],
  maxNorm: number,
): { grads: Float64Array[]; norm: number } {
  const norm = globalNormReference(grads);
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  return { grads: grads.map((g) => Float64Array.from(g, (x) => x * scale)), norm };
}
