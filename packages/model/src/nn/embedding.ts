// Token embedding lookup: rows of weight [vocab, d_model] picked by integer ids (Gather on axis 0); its gradient
// is the Gather rule's ScatterND-add. Reference: CS336 assignment 1, §3.4.3. Ids are data, unknown at build
// time: an id ≥ vocab fails inside ORT and a negative one wraps, so host callers check them first (checkTokenIds).

import { activeGraph, describe } from "../graph/graph.ts";
import { gather } from "../graph/ops-index.ts";
import type { Value } from "../graph/value.ts";

/** weight [vocab, d] and ids (...) int32/int64 → (..., d). */
export function embedding(weight: Value, ids: Value): Value {
  const g = activeGraph("embedding", weight, ids);
  if (weight.rank !== 2) throw g.error("embedding", `weight must be [vocab, d_model], got ${describe(weight)}`);
  return gather(weight, ids, 0);
}
