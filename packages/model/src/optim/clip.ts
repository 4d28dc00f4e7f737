// Gradient clipping by global L2 norm as torch.nn.utils.clip_grad_norm_: the norm is taken over all gradients
// together and every gradient is scaled by min(1, maxNorm / (norm + 1e-6)). Returns the norm before clipping
// (the figure training logs report). Leaves out: other p-norms and per-tensor clipping.

import { activeGraph } from "../graph/graph.ts";
import { add, div, min, mul, sqrt } from "../graph/ops-elementwise.ts";
import { reduceSum } from "../graph/ops-reduce.ts";
import type { Value } from "../graph/value.ts";

/** sqrt(Σ over all tensors of Σ g²), a scalar; `squares` (each g², optional) are reused when given. */
function globalNorm(grads: readonly Value[], squares?: readonly Value[]): Value {
  let sum: Value | null = null;
  grads.forEach((gr, i) => {
    const s = reduceSum(squares?.[i] ?? mul(gr, gr), [...gr.shape.keys()]);
    sum = sum ? add(sum, s) : s;
  });
  if (!sum) throw new RangeError("globalNorm needs at least one gradient");
  return sqrt(sum);
}

/**
 * The clip factor without applying it: the pre-clip norm, the scalar min(1, maxNorm / (norm + 1e-6)) (null when
 * `maxNorm` is null or Infinity) and each g², for an optimizer that folds the factor into its own passes
 * (adamwStep's `gradScale` and `gradSquares`) instead of rewriting every gradient.
 */
export function clipFactor(
  grads: readonly Value[],
  maxNorm: number | null,
): { norm: Value; scale: Value | null; squares: Value[] } {
  const g = activeGraph("clip", ...grads);
  if (maxNorm !== null && !(maxNorm > 0)) throw g.error("clip", `max gradient norm must be > 0, got ${maxNorm}`);
  const squares = grads.map((gr) => mul(gr, gr));
  const norm = globalNorm(grads, squares);
  if (maxNorm === null || maxNorm === Number.POSITIVE_INFINITY) return { norm, scale: null, squares };
  return { norm, scale: min(div(maxNorm, add(norm, 1e-6)), 1), squares };
}

/** Clipped gradients and the pre-clip norm; `maxNorm` null or Infinity only measures. */
export function clipByGlobalNorm(grads: readonly Value[], maxNorm: number | null): { grads: Value[]; norm: Value } {
  const g = activeGraph("clip", ...grads);
  if (maxNorm !== null && !(maxNorm > 0)) throw g.error("clip", `max gradient norm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  if (maxNorm === null || maxNorm === Number.POSITIVE_INFINITY) return { grads: [...grads], norm };
  const scale = min(div(maxNorm, add(norm, 1e-6)), 1); // ≤ 1: never scales up
  return { grads: grads.map((gr) => mul(gr, scale)), norm };
}
