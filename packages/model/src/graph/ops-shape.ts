// Shape and data-movement ops: Reshape, Transpose, Unsqueeze, Squeeze, Expand, Slice, Concat, Split, Pad,
// Trilu, Shape, ConstantOfShape. Shape-like arguments are plain numbers/symbols at build time and become
// int64 Constants (opset 13+ takes them as inputs). A symbolic target dim the input does not carry at the
// same position is read at run time with Shape+Gather. Leaves out: Pad modes other than constant.

import { activeGraph, describe, type Graph } from "./graph.ts";
import { broadcastShapes, factorDim, normAxis, productDim, sameDim, sameShape } from "./shape.ts";
import { type Dim, type Shape, staticShape, type TensorData, tensorOf, type Value } from "./value.ts";

/** Stands for "to the end" in slice ends (ONNX clamps it). */
export const END = 2 ** 62;

export function int64s(g: Graph, values: readonly number[]): Value {
  return g.constant(tensorOf("int64", [values.length], values));
}

/** The run-time shape of `x` as an int64 vector. */
export function shapeOf(x: Value): Value {
  const g = activeGraph("Shape", x);
  return g.addNode("Shape", [x], {}, [{ dtype: "int64", shape: [x.rank] }])[0]!;
}

/** The int64 shape input for `dims`: a Constant when static, else built from `x`'s run-time shape. */
function shapeInput(g: Graph, op: string, dims: Shape, x: Value, zeroCopies: boolean): Value {
  const stat = staticShape(dims);
  if (stat) return int64s(g, stat);
  const lit: (number | null)[] = dims.map((d, i) => {
    if (typeof d === "number") return d;
    return zeroCopies && i < x.rank && sameDim(x.shape[i]!, d) ? 0 : null;
  });
  const unknown = lit.filter((d) => d === null).length;
  if (zeroCopies && unknown === 1 && !lit.includes(-1)) lit[lit.indexOf(null)] = -1;
  if (lit.every((d) => d !== null)) return int64s(g, lit as number[]);
  const dimOf = (v: Value, axis: number) => {
    const shp = shapeOf(v);
    return g.addNode("Gather", [shp, int64s(g, [axis])], { axis: { i: 0 } }, [{ dtype: "int64", shape: [1] }])[0]!;
  };
  const parts = dims.map((d, i) => {
    if (lit[i] !== null) return int64s(g, [lit[i]!]);
    const j = x.shape.findIndex((e) => sameDim(e, d));
    if (j >= 0) return dimOf(x, j);
    // Read each symbol from the graph input that introduced it, and multiply ("B*T" = B · T).
    const [k, syms] = factorDim(d);
    let acc: Value | null = k === 1 ? null : int64s(g, [k]);
    for (const s of syms) {
      const src = g.ctx.symbols.get(s);
      if (!src || !g.sees(src.value)) {
        throw g.error(
          op,
          `target dim "${d}": symbol "${s}" is not a dim of any visible graph input; use a number or -1`,
        );
      }
      const part = dimOf(src.value, src.axis);
      acc = acc ? g.addNode("Mul", [acc, part], {}, [{ dtype: "int64", shape: [1] }])[0]! : part;
    }
    return acc ?? int64s(g, [k]);
  });
  return concat(parts, 0);
}

/** Reshape to `dims` (numbers, symbols such as "B" or "B*T", at most one -1). Element counts are checked. */
export function reshape(x: Value, dims: Shape): Value {
  const g = activeGraph("Reshape", x);
  const inferred = dims.filter((d) => d === -1).length;
  if (inferred > 1 || dims.some((d) => typeof d === "number" && d < -1)) {
    throw g.error("Reshape", `target ${JSON.stringify(dims)} for ${describe(x)} may hold at most one -1`);
  }
  const total = productDim(x.shape);
  let out: Dim[] = [...dims];
  if (inferred === 1) {
    const [k1, s1] = factorDim(total);
    const [k2, s2] = factorDim(productDim(dims.filter((d) => d !== -1)));
    const rest = [...s1];
    const ok = k2 !== 0 && k1 % k2 === 0 && s2.every((s) => rest.includes(s) && rest.splice(rest.indexOf(s), 1));
    if (!ok) throw g.error("Reshape", `cannot infer -1 in ${JSON.stringify(dims)} from ${describe(x)}`);
    const fill = productDim([k1 / k2, ...rest]);
    out = dims.map((d) => (d === -1 ? fill : d));
  } else if (!sameDim(total, productDim(dims))) {
    throw g.error(
      "Reshape",
      `${describe(x)} has ${total} elements but target [${dims.join(", ")}] has ${productDim(dims)}`,
    );
  }
  const shapeValue = shapeInput(g, "Reshape", dims, x, true);
  return g.addNode("Reshape", [x, shapeValue], {}, [{ dtype: x.dtype, shape: out }])[0]!;
}

/** Reshape `x` to the (possibly symbolic) shape of `like`. */
export function reshapeAs(x: Value, like: Value): Value {
  if (sameShape(x.shape, like.shape)) return x;
  const g = activeGraph("Reshape", x, like);
  const shapeValue = staticShape(like.shape) ? int64s(g, like.shape as number[]) : shapeOf(like);
  return g.addNode("Reshape", [x, shapeValue], {}, [{ dtype: x.dtype, shape: like.shape }])[0]!;
}

/** Permutes axes (default: reverse them). */
export function transpose(x: Value, perm?: readonly number[]): Value {
  const g = activeGraph("Transpose", x);
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== x.rank || sorted.some((a, i) => a !== i)) {
    throw g.error("Transpose", `perm [${p}] is not a permutation of the ${x.rank} axes of ${describe(x)}`);
  }
  // Undoing a Transpose returns its input: backward passes (Transpose's rule, Linear weight gradients) rely on
  // this instead of copying a tensor twice.
  const inner = x.producer?.opType === "Transpose" ? x.producer : null;
  const innerPerm = inner?.attrs.perm;
  if (inner && innerPerm && "ints" in innerPerm && p.every((q, i) => innerPerm.ints[q] === i)) return inner.inputs[0]!;
  return g.addNode("Transpose", [x], { perm: { ints: p } }, [{ dtype: x.dtype, shape: p.map((a) => x.shape[a]!) }])[0]!;
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const g = activeGraph("Unsqueeze", x);
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normAxis(a, rank));
  if (norm.some((a) => a === null) || new Set(norm).size !== norm.length) {
    throw g.error("Unsqueeze", `axes [${axes}] invalid for output rank ${rank} (input ${describe(x)})`);
  }
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]!);
  return g.addNode("Unsqueeze", [x, int64s(g, axes)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const g = activeGraph("Squeeze", x);
  const norm = axes.map((a) => normAxis(a, x.rank));
  if (norm.some((a) => a === null || x.shape[a] !== 1)) {
    throw g.error("Squeeze", `axes [${axes}] must name size-1 axes of ${describe(x)}`);
  }
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return g.addNode("Squeeze", [x, int64s(g, axes)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

/** Broadcasts `x` to `dims` (numpy rules, both ways as ONNX Expand). */
export function expand(x: Value, dims: Shape): Value {
  const g = activeGraph("Expand", x);
  const shape = broadcastShapes(x.shape, dims);
  if (!shape) throw g.error("Expand", `${describe(x)} does not broadcast to [${dims.join(", ")}]`);
  // A symbolic target dim that x already has at the aligned position can be passed as 1.
  const lead = dims.length - x.rank;
  const lit = dims.map((d, i) => (typeof d === "string" && i >= lead && sameDim(x.shape[i - lead]!, d) ? 1 : d));
  const shapeValue = shapeInput(g, "Expand", lit, x, false);
  return g.addNode("Expand", [x, shapeValue], {}, [{ dtype: x.dtype, shape }])[0]!;
}

/** Broadcasts `x` to the (possibly symbolic) shape of `like`. */
export function expandAs(x: Value, like: Value): Value {
  if (sameShape(x.shape, like.shape)) return x;
  const g = activeGraph("Expand", x, like);
  const shape = broadcastShapes(x.shape, like.shape);
  if (!shape) throw g.error("Expand", `${describe(x)} does not broadcast to ${describe(like)}`);
  const shapeValue = staticShape(like.shape) ? int64s(g, like.shape as number[]) : shapeOf(like);
  return g.addNode("Expand", [x, shapeValue], {}, [{ dtype: x.dtype, shape }])[0]!;
}

function sliceDim(d: Dim, start: number, end: number, step: number): Dim {
  if (typeof d !== "number") {
    if (start === 0 && end >= END && step === 1) return d;
    return `${d}[${start}:${end >= END ? "" : end}:${step}]`;
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const s = start < 0 ? start + d : start;
  const e = end < 0 ? end + d : end;
  const [lo, hi] = step > 0 ? [0, d] : [-1, d - 1];
  const cs = clamp(s, lo, hi);
  const ce = clamp(e, lo, hi);
  return Math.max(0, Math.ceil((ce - cs) / step));
}

/** x[starts:ends:steps] along `axes` (default the first starts.length axes). Use END for "to the end". */
export function slice(
  x: Value,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): Value {
  const g = activeGraph("Slice", x);
  const ax = axes ?? starts.map((_, i) => i);
  const st = steps ?? starts.map(() => 1);
  const norm = ax.map((a) => normAxis(a, x.rank));
  if (ends.length !== starts.length || ax.length !== starts.length || st.length !== starts.length) {
    throw g.error("Slice", "starts, ends, axes and steps must have the same length");
  }
  if (norm.some((a) => a === null) || st.some((s) => s === 0 || !Number.isInteger(s))) {
    throw g.error("Slice", `axes [${ax}] / steps [${st}] invalid for ${describe(x)}`);
  }
  const shape = [...x.shape];
  norm.forEach((a, i) => {
    shape[a!] = sliceDim(x.shape[a!]!, starts[i]!, ends[i]!, st[i]!);
  });
  const inputs = [x, int64s(g, starts), int64s(g, ends), int64s(g, ax), int64s(g, st)];
  return g.addNode("Slice", inputs, {}, [{ dtype: x.dtype, shape }])[0]!;
}

export function concat(xs: readonly Value[], axis: number): Value {
  const g = activeGraph("Concat", ...xs);
  const first = xs[0]!;
  const a = normAxis(axis, first.rank);
  const bad = xs.find(
    (x) =>
      x.dtype !== first.dtype ||
      x.rank !== first.rank ||
      x.shape.some((d, i) => i !== a && !sameDim(d, first.shape[i]!)),
  );
  if (a === null || bad) {
    throw g.error("Concat", `inputs must agree except on axis ${axis}: ${xs.map(describe).join(", ")}`);
  }
  const dims = xs.map((x) => x.shape[a]!);
  const sum = dims.every((d) => typeof d === "number") ? (dims as number[]).reduce((s, d) => s + d, 0) : dims.join("+");
  const shape = first.shape.map((d, i) => (i === a ? sum : d));
  return g.addNode("Concat", xs, { axis: { i: a } }, [{ dtype: first.dtype, shape }])[0]!;
}

/** Splits along `axis` into pieces of the given sizes (which must add up to the axis size). */
export function split(x: Value, axis: number, sizes: readonly number[]): Value[] {
  const g = activeGraph("Split", x);
  const a = normAxis(axis, x.rank);
  const total = sizes.reduce((s, d) => s + d, 0);
  if (a === null || !sameDim(x.shape[a]!, total) || sizes.some((s) => s <= 0)) {
    throw g.error("Split", `sizes [${sizes}] along axis ${axis} do not add up to that axis of ${describe(x)}`);
  }
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? s : d)) }));
  return g.addNode("Split", [x, int64s(g, sizes)], { axis: { i: a } }, outs);
}

/** Constant-mode Pad; `pads` is [begin_0, …, begin_{r-1}, end_0, …, end_{r-1}] as in ONNX. */
export function pad(x: Value, pads: readonly number[], value = 0): Value {
  const g = activeGraph("Pad", x);
  if (pads.length !== 2 * x.rank || pads.some((p) => p < 0)) {
    throw g.error("Pad", `pads [${pads}] must be 2×rank non-negative numbers for ${describe(x)}`);
  }
  const shape = x.shape.map((d, i) => {
    const extra = pads[i]! + pads[i + x.rank]!;
    return extra === 0 ? d : typeof d === "number" ? d + extra : `${d}+${extra}`;
  });
  const cv = g.constant(tensorOf(x.dtype, [], [value]));
  return g.addNode("Pad", [x, int64s(g, pads), cv], { mode: { s: "constant" } }, [{ dtype: x.dtype, shape }])[0]!;
}

/** Keeps the upper (or lower) triangle of the last two axes, offset by diagonal k (a number, or an int64 scalar). */
export function trilu(x: Value, upper: boolean, k: number | Value = 0): Value {
  const g = activeGraph("Trilu", x);
  if (x.rank < 2) throw g.error("Trilu", `needs rank >= 2, got ${describe(x)}`);
  if (typeof k !== "number" && (k.dtype !== "int64" || k.rank !== 0)) {
    throw g.error("Trilu", `k must be an int64 scalar, got ${describe(k)}`);
  }
  const kv = typeof k === "number" ? g.constant(tensorOf("int64", [], [k])) : k;
  return g.addNode("Trilu", [x, kv], { upper: { i: upper ? 1 : 0 } }, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

/** A tensor filled with `value`, shaped like the int64 vector `shape` (static `dims` given for checking). */
export function constantOfShape(shape: Value, dims: Shape, value: TensorData): Value {
  const g = activeGraph("ConstantOfShape", shape);
  return g.addNode("ConstantOfShape", [shape], { value: { t: value } }, [{ dtype: value.dtype, shape: dims }])[0]!;
}

/** Zeros shaped like `like` (static: a Constant shape; symbolic: from Shape(like)). */
export function zerosLike(like: Value): Value {
  const g = activeGraph("ConstantOfShape", like);
  const shp = staticShape(like.shape) ? int64s(g, like.shape as number[]) : shapeOf(like);
  return constantOfShape(shp, like.shape, tensorOf(like.dtype, [1], [0]));
}
