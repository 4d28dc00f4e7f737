// MatMul (numpy semantics: batched, broadcasting batch dims), reductions (ReduceSum/Mean/Max, axes as an
// int64 input as in opset 18+), Softmax and LogSoftmax over one axis (opset 13+ semantics).
// Reference: ONNX operator docs. Leaves out Gemm (MatMul + Add covers it) and the other Reduce* ops.

import { activeGraph, describe } from "./graph.ts";
import type { OpType } from "./op-types.ts";
import { int64s } from "./ops-shape.ts";
import { broadcastShapes, normAxis, sameDim } from "./shape.ts";
import { type Dim, isFloat, type Value } from "./value.ts";

/** a @ b with numpy rules: 1-D operands are promoted and the added axis dropped; batch dims broadcast. */
export function matMul(a: Value, b: Value): Value {
  const g = activeGraph("MatMul", a, b);
  if (a.dtype !== b.dtype || !isFloat(a.dtype)) {
    throw g.error("MatMul", `needs equal float dtypes: a ${describe(a)} vs b ${describe(b)}`);
  }
  if (a.rank === 0 || b.rank === 0)
    throw g.error("MatMul", `scalars are not allowed: a ${describe(a)}, b ${describe(b)}`);
  const as = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bs = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const k1 = as[as.length - 1]!;
  const k2 = bs[bs.length - 2]!;
  if (!sameDim(k1, k2)) {
    throw g.error("MatMul", `inner dims differ: a ${describe(a)} (…, ${k1}) vs b ${describe(b)} (${k2}, …)`);
  }
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
  if (!batch) throw g.error("MatMul", `batch dims do not broadcast: a ${describe(a)} vs b ${describe(b)}`);
  const shape: Dim[] = [...batch];
  if (a.rank > 1) shape.push(as[as.length - 2]!);
  if (b.rank > 1) shape.push(bs[bs.length - 1]!);
  return g.addNode("MatMul", [a, b], {}, [{ dtype: a.dtype, shape }])[0]!;
}

function reduce(op: OpType, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const g = activeGraph(op, x);
  const norm = axes.map((a) => normAxis(a, x.rank));
  if (norm.some((a) => a === null) || new Set(norm).size !== norm.length || axes.length === 0) {
    throw g.error(op, `axes [${axes}] invalid for ${describe(x)} (list each axis once; empty is not allowed)`);
  }
  if (x.dtype === "bool") throw g.error(op, `cannot reduce bool ${describe(x)}; cast first`);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  const sorted = (norm as number[]).slice().sort((p, q) => p - q);
  return g.addNode(op, [x, int64s(g, sorted)], { keepdims: { i: keepdims ? 1 : 0 } }, [{ dtype: x.dtype, shape }])[0]!;
}

export const reduceSum = (x: Value, axes: readonly number[], keepdims = false) =>
  reduce("ReduceSum", x, axes, keepdims);
export const reduceMean = (x: Value, axes: readonly number[], keepdims = false) =>
  reduce("ReduceMean", x, axes, keepdims);
export const reduceMax = (x: Value, axes: readonly number[], keepdims = false) =>
  reduce("ReduceMax", x, axes, keepdims);

function normalizer(op: "Softmax" | "LogSoftmax", x: Value, axis: number): Value {
  const g = activeGraph(op, x);
  const a = normAxis(axis, x.rank);
  if (a === null || !isFloat(x.dtype)) throw g.error(op, `axis ${axis} invalid or non-float input ${describe(x)}`);
  return g.addNode(op, [x], { axis: { i: a } }, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

/** ONNX Softmax (ORT's kernel subtracts the max); nn/layers.ts has the composed, differentiable-by-parts one. */
export const softmax = (x: Value, axis = -1) => normalizer("Softmax", x, axis);
export const logSoftmax = (x: Value, axis = -1) => normalizer("LogSoftmax", x, axis);
