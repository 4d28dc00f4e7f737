// Indexing ops: Gather (embedding lookup), GatherND and ScatterND (with reduction "add", the gradient of
// gathers). Index dtypes are int32 or int64; out-of-range ids are caught by ONNX Runtime at run time, not here.
// Reference: ONNX operator docs (opset 23). Leaves out GatherElements/ScatterElements and batch_dims.

import { activeGraph, describe } from "./graph.ts";
import { normAxis, sameShape } from "./shape.ts";
import type { Dim, Value } from "./value.ts";

const isIndex = (v: Value) => v.dtype === "int64" || v.dtype === "int32";

/** table.take(ids, axis): shape table[:axis] + ids.shape + table[axis+1:]. */
export function gather(table: Value, ids: Value, axis = 0): Value {
  const g = activeGraph("Gather", table, ids);
  const a = normAxis(axis, table.rank);
  if (a === null || !isIndex(ids)) {
    throw g.error(
      "Gather",
      `needs int32/int64 ids and a valid axis ${axis}: table ${describe(table)}, ids ${describe(ids)}`,
    );
  }
  const shape = [...table.shape.slice(0, a), ...ids.shape, ...table.shape.slice(a + 1)];
  return g.addNode("Gather", [table, ids], { axis: { i: a } }, [{ dtype: table.dtype, shape }])[0]!;
}

function ndTail(op: string, data: Value, indices: Value): Dim[] {
  const g = activeGraph(op, data, indices);
  const k = indices.shape[indices.rank - 1];
  if (indices.dtype !== "int64" || typeof k !== "number" || k < 1 || k > data.rank) {
    throw g.error(
      op,
      `indices must be int64 [..., k] with static 1 <= k <= rank(data): data ${describe(data)}, indices ${describe(indices)}`,
    );
  }
  return [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
}

/** data[indices[..., :]] — the last axis of `indices` indexes the leading axes of `data`. */
export function gatherND(data: Value, indices: Value): Value {
  const shape = ndTail("GatherND", data, indices);
  const g = activeGraph("GatherND", data, indices);
  return g.addNode("GatherND", [data, indices], {}, [{ dtype: data.dtype, shape }])[0]!;
}

/** A copy of `data` with `updates` written (or added, reduction "add": duplicates accumulate) at `indices`. */
export function scatterND(data: Value, indices: Value, updates: Value, reduction: "none" | "add" = "add"): Value {
  const g = activeGraph("ScatterND", data, indices, updates);
  const want = ndTail("ScatterND", data, indices);
  if (updates.dtype !== data.dtype || !sameShape(updates.shape, want)) {
    throw g.error(
      "ScatterND",
      `updates ${describe(updates)} must be ${data.dtype}[${want.join(", ")}] for data ${describe(data)}, indices ${describe(indices)}`,
    );
  }
  const attrs = { reduction: { s: reduction } };
  return g.addNode("ScatterND", [data, indices, updates], attrs, [{ dtype: data.dtype, shape: data.shape }])[0]!;
}
