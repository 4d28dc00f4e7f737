// Gradient rules of MatMul, reductions, normalizers, shape/data-movement, indexing and creation ops.
// Gather's gradient is a ScatterND-add into zeros (duplicates accumulate). Slice supports step 1 only and
// Concat needs static sizes on its axis; both throw a clear build error otherwise. Loop is never differentiated.

import { GraphBuildError } from "../graph/graph.ts";
import { cast, div, equal, exp, mul, sub } from "../graph/ops-elementwise.ts";
import { gatherND, scatterND } from "../graph/ops-index.ts";
import { matMul, reduceSum } from "../graph/ops-reduce.ts";
import {
  concat,
  END,
  expandAs,
  pad,
  reshapeAs,
  slice,
  split,
  squeeze,
  transpose,
  trilu,
  unsqueeze,
  zerosLike,
} from "../graph/ops-shape.ts";
import { normAxis } from "../graph/shape.ts";
import type { Value } from "../graph/value.ts";
import { constInts, dy0, type GradContext, type GradRule, input, intAttr, output, stringAttr } from "./rule-types.ts";

const swapLast2 = (v: Value) =>
  transpose(
    v,
    v.shape.map((_, i) => (i < v.rank - 2 ? i : 2 * v.rank - 3 - i)),
  );

/** dy with the reduced axes restored as size 1, so it broadcasts against the input. */
function keepDims(c: GradContext, v: Value): Value {
  if (intAttr(c, "keepdims") === 1) return v;
  return unsqueeze(v, constInts(c, 1));
}

function reduceCount(c: GradContext, x: Value): Value | number {
  const axes = constInts(c, 1).map((a) => normAxis(a, x.rank)!);
  const dims = axes.map((a) => x.shape[a]!);
  if (dims.every((d) => typeof d === "number")) return (dims as number[]).reduce((p, d) => p * d, 1);
  return reduceSum(expandAs(c.node.graph.scalar(1, x.dtype), x), axes, true);
}

export const TENSOR_RULES = {
  MatMul: (c) => {
    const [a, b] = [input(c, 0), input(c, 1)];
    const a2 = a.rank === 1 ? unsqueeze(a, [0]) : a;
    const b2 = b.rank === 1 ? unsqueeze(b, [-1]) : b;
    let dy = dy0(c);
    if (b.rank === 1) dy = unsqueeze(dy, [-1]);
    if (a.rank === 1) dy = unsqueeze(dy, [-2]);
    const da = c.wants(0) ? matMul(dy, swapLast2(b2)) : null; // (…, m, k); walker sums batch axes
    // x·Wᵀ (a Linear, W [out, in]): build dB as (dyᵀ·x)ᵀ so that Transpose's rule, taking it back to W's
    // layout, cancels the outer Transpose and W's gradient is one GEMM with no (in, out) → (out, in) copy.
    const bIsTransposed = a.rank === 2 && b.rank === 2 && b.producer?.opType === "Transpose";
    let db = !c.wants(1) ? null : bIsTransposed ? swapLast2(matMul(swapLast2(dy), a2)) : matMul(swapLast2(a2), dy); // (…, k, n)
    if (db && b.rank === 1) db = squeeze(db, [-1]);
    return [da, db];
  },
  ReduceSum: (c) => [expandAs(keepDims(c, dy0(c)), input(c, 0)), null],
  ReduceMean: (c) => {
    const x = input(c, 0);
    return [expandAs(div(keepDims(c, dy0(c)), reduceCount(c, x)), x), null];
  },
  ReduceMax: (c) => {
    const x = input(c, 0);
    const mask = cast(equal(x, keepDims(c, output(c))), x.dtype);
    const count = reduceSum(mask, constInts(c, 1), true);
    return [mul(mask, div(keepDims(c, dy0(c)), count)), null];
  },
  Softmax: (c) => {
    const [y, dy, axis] = [output(c), dy0(c), intAttr(c, "axis")];
    return [mul(y, sub(dy, reduceSum(mul(dy, y), [axis], true)))];
  },
  LogSoftmax: (c) => {
    const [y, dy, axis] = [output(c), dy0(c), intAttr(c, "axis")];
    return [sub(dy, mul(exp(y), reduceSum(dy, [axis], true)))];
  },
  Reshape: (c) => [reshapeAs(dy0(c), input(c, 0)), null],
  Unsqueeze: (c) => [reshapeAs(dy0(c), input(c, 0)), null],
  Squeeze: (c) => [reshapeAs(dy0(c), input(c, 0)), null],
  Expand: (c) => [dy0(c), null],
  Transpose: (c) => {
    const a = c.node.attrs.perm;
    const perm = a && "ints" in a ? a.ints : [];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(dy0(c), inverse)];
  },
  Slice: (c) => {
    const x = input(c, 0);
    const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => constInts(c, i));
    const pads = new Array<number>(2 * x.rank).fill(0);
    axes!.forEach((ax, i) => {
      const a = normAxis(ax, x.rank)!;
      const d = x.shape[a]!;
      if (steps![i] !== 1) throw new GraphBuildError(`grad Slice (${c.node.name}): only step 1 is differentiable`);
      if (typeof d !== "number") {
        if (starts![i] === 0 && ends![i]! >= END) return;
        throw new GraphBuildError(`grad Slice (${c.node.name}): partial slice of symbolic dim ${d}`);
      }
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      const [s, e] = [clamp(starts![i]!), clamp(ends![i]!)];
      pads[a] = s;
      pads[a + x.rank] = d - Math.max(e, s);
    });
    return [pad(dy0(c), pads), null, null, null, null];
  },
  Pad: (c) => {
    const x = input(c, 0);
    const pads = constInts(c, 1);
    const begins = pads.slice(0, x.rank);
    const ends = pads.slice(x.rank).map((p) => (p === 0 ? END : -p));
    return [
      slice(
        dy0(c),
        begins,
        ends,
        begins.map((_, i) => i),
      ),
      null,
      null,
    ];
  },
  Concat: (c) => {
    const axis = intAttr(c, "axis");
    const sizes = c.node.inputs.map((v) => v!.shape[axis]!);
    if (sizes.some((d) => typeof d !== "number")) {
      throw new GraphBuildError(`grad Concat (${c.node.name}): needs static sizes on axis ${axis}, got [${sizes}]`);
    }
    return split(dy0(c), axis, sizes as number[]);
  },
  Split: (c) => {
    const parts = c.dy.map((d, i) => d ?? zerosLike(output(c, i)));
    return [concat(parts, intAttr(c, "axis")), null];
  },
  Trilu: (c) => [trilu(dy0(c), intAttr(c, "upper") === 1, constInts(c, 1)[0] ?? 0), null],
  Gather: (c) => {
    const [table, ids] = [input(c, 0), input(c, 1)];
    if (intAttr(c, "axis") !== 0) throw new GraphBuildError(`grad Gather (${c.node.name}): only axis 0`);
    const idx = unsqueeze(ids.dtype === "int64" ? ids : cast(ids, "int64"), [-1]);
    return [scatterND(zerosLike(table), idx, dy0(c), "add"), null];
  },
  GatherND: (c) => [scatterND(zerosLike(input(c, 0)), input(c, 1), dy0(c), "add"), null],
  ScatterND: (c) => {
    const [idx, upd] = [input(c, 1), input(c, 2)];
    const dy = dy0(c);
    // "none" overwrites: the old values at idx get no gradient (indices assumed unique, as ONNX requires).
    const dData = stringAttr(c, "reduction", "none") === "add" ? dy : scatterND(dy, idx, zerosLike(upd), "none");
    return [c.wants(0) ? dData : null, null, c.wants(2) ? gatherND(dy, idx) : null];
  },
  Constant: () => [],
  ConstantOfShape: () => [null],
  Shape: () => [null],
  Loop: (c) => {
    throw new GraphBuildError(
      `grad: cannot differentiate through Loop ${c.node.name}; build the backward inside the Loop body`,
    );
  },
} satisfies Record<string, GradRule>;
