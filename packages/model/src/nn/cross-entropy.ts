// Mean cross-entropy over rows: logsumexp(logits) - logits[target], stable for large logits because the
// log-sum-exp subtracts the row max. The target logit is picked with Equal(targets, arange(V)) + Where, so the
// gradient comes from the table's primitives (softmax - onehot in effect). Reference: CS336 §3.6 (loss).
// Trap: a target outside [0, V) matches no column and silently picks 0, so callers check targets on the host
// (hostCrossEntropy, lossAndGradients). Leaves out label smoothing and ignore_index.

import { activeGraph, describe } from "../graph/graph.ts";
import { cast, equal, sub, where } from "../graph/ops-elementwise.ts";
import { reduceMean, reduceSum } from "../graph/ops-reduce.ts";
import { unsqueeze } from "../graph/ops-shape.ts";
import { sameShape } from "../graph/shape.ts";
import { tensorOf, type Value } from "../graph/value.ts";
import { logSumExp } from "./activations.ts";

/** logits (..., V) float, targets (...) int32/int64 → scalar mean loss. V must be static. */
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
