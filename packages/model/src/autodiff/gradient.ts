// Reverse-mode autodiff over the IR, after tinygrad's gradient.py: one table from op type to gradient rule, then
// a walker. The table is typed Record<OpType, GradRule>, so an op added to graph/op-types.ts without a rule fails
// to compile. A rule returns one gradient per input (null: none) in the op's *output* shape; the walker visits,
// in reverse creation (= topological) order, only nodes between `wrt` and the loss, sums fan-out and
// un-broadcasts each result once (ReduceSum over broadcast axes + Reshape). Leaves out higher-order gradients,
// differentiating through Loop (build the backward inside the body) and complex dtypes.

import { GraphBuildError } from "../graph/graph.ts";
import type { OpType } from "../graph/op-types.ts";
import { add, cast, div, equal, exp, greater, less, log, mul, neg, pow, sub, where } from "../graph/ops-elementwise.ts";
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
import { broadcastAxes, normAxis, sameShape } from "../graph/shape.ts";
import { formatShape, isFloat, type Node, tensorOf, type Value } from "../graph/value.ts";

export type GradContext = {
  node: Node;
  /** gradient of each output; null for outputs the loss does not depend on (at least one is set) */
  dy: readonly (Value | null)[];
  /** whether input i needs a gradient (rules may skip building the others) */
  wants: (i: number) => boolean;
};
export type GradRule = (c: GradContext) => (Value | null)[];

const input = (c: GradContext, i: number): Value => {
  const v = c.node.inputs[i];
  if (!v) throw new GraphBuildError(`grad ${c.node.opType} (${c.node.name}): input ${i} is missing`);
  return v;
};
const output = (c: GradContext, i = 0): Value => c.node.outputs[i]!;
/** The first output gradient, for single-output ops (always set when the rule runs). */
const dy0 = (c: GradContext): Value => c.dy[0]!;
const none = (c: GradContext) => c.node.inputs.map(() => null);

/** The numbers of a Constant int input (axes, pads, slice bounds). */
function constInts(c: GradContext, i: number): number[] {
  const v = input(c, i);
  const a = v.producer?.opType === "Constant" ? v.producer.attrs.value : undefined;
  if (!a || !("t" in a)) {
    throw new GraphBuildError(`grad ${c.node.opType} (${c.node.name}): input ${i} must be a build-time constant`);
  }
  return Array.from(a.t.data as ArrayLike<number | bigint>, Number);
}

function intAttr(c: GradContext, name: string): number {
  const a = c.node.attrs[name];
  if (!a || !("i" in a)) throw new GraphBuildError(`grad ${c.node.opType}: attribute ${name} is missing`);
  return a.i;
}

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

/**
 * The rules. Max/Min send a tie's gradient to the first operand (torch splits it); Abs gives gradient 1 at 0
 * (torch 0). Gather's gradient is a ScatterND-add into zeros (duplicates accumulate). Slice supports step 1 only
 * and Concat needs static sizes on its axis; both throw a clear build error otherwise.
 */
export const GRAD_RULES: Record<OpType, GradRule> = {
  // Elementwise
  Add: (c) => [dy0(c), dy0(c)],
  Sub: (c) => [dy0(c), c.wants(1) ? neg(dy0(c)) : null],
  Mul: (c) => [c.wants(0) ? mul(dy0(c), input(c, 1)) : null, c.wants(1) ? mul(dy0(c), input(c, 0)) : null],
  // d(a/b)/db = -a/b² = -y/b
  Div: (c) => [
    c.wants(0) ? div(dy0(c), input(c, 1)) : null,
    c.wants(1) ? neg(div(mul(dy0(c), output(c)), input(c, 1))) : null,
  ],
  Pow: (c) => {
    const [a, b, y, dy] = [input(c, 0), input(c, 1), output(c), dy0(c)];
    return [c.wants(0) ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null, c.wants(1) ? mul(dy, mul(y, log(a))) : null];
  },
  Sqrt: (c) => [div(mul(dy0(c), 0.5), output(c))],
  Exp: (c) => [mul(dy0(c), output(c))],
  Log: (c) => [div(dy0(c), input(c, 0))],
  Sigmoid: (c) => {
    const y = output(c);
    return [mul(dy0(c), mul(y, sub(1, y)))];
  },
  Tanh: (c) => {
    const y = output(c);
    return [mul(dy0(c), sub(1, mul(y, y)))];
  },
  Neg: (c) => [neg(dy0(c))],
  Abs: (c) => [where(less(input(c, 0), 0), neg(dy0(c)), dy0(c))],
  Reciprocal: (c) => {
    const y = output(c);
    return [neg(mul(dy0(c), mul(y, y)))];
  },
  Max: (c) => {
    const bWins = less(input(c, 0), input(c, 1));
    return [where(bWins, 0, dy0(c)), where(bWins, dy0(c), 0)];
  },
  Min: (c) => {
    const bWins = greater(input(c, 0), input(c, 1));
    return [where(bWins, 0, dy0(c)), where(bWins, dy0(c), 0)];
  },
  Where: (c) => {
    const cond = input(c, 0);
    return [null, c.wants(1) ? where(cond, dy0(c), 0) : null, c.wants(2) ? where(cond, 0, dy0(c)) : null];
  },
  Cast: (c) => {
    const x = input(c, 0);
    return [isFloat(x.dtype) ? cast(dy0(c), x.dtype) : null];
  },
  Identity: (c) => [dy0(c)],
  Equal: none,
  Less: none,
  Greater: none,
  Not: none,
  And: none,

  // MatMul, reductions, normalizers
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

  // Shape and data movement
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
  // The same mask on dy; k is passed through as the Value it is, since it may be computed at run time.
  Trilu: (c) => [trilu(dy0(c), intAttr(c, "upper") === 1, input(c, 1)), null],

  // Indexing and creation
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
    const reduction = c.node.attrs.reduction;
    const adds = reduction !== undefined && "s" in reduction && reduction.s === "add";
    const dData = adds ? dy : scatterND(dy, idx, zerosLike(upd), "none");
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
};

/** Inputs a node reads, including outer-scope values its subgraphs (Loop bodies) read. */
function dependencies(node: Node): Value[] {
  const deps = node.inputs.filter((v): v is Value => v !== null);
  for (const a of Object.values(node.attrs)) {
    if (!("g" in a)) continue;
    const body = a.g;
    for (const n of body.nodes) {
      for (const v of dependencies(n)) {
        let inside = false;
        for (let g: typeof v.graph | null = v.graph; g; g = g.parent) if (g === body) inside = true;
        if (!inside) deps.push(v);
      }
    }
  }
  return deps;
}

/** Sums `grad` over the axes it was broadcast along so that it has `x`'s shape. */
function unbroadcast(grad: Value, x: Value): Value {
  if (sameShape(grad.shape, x.shape)) return grad;
  if (grad.rank < x.rank) {
    throw new GraphBuildError(`grad: gradient ${formatShape(grad.shape)} cannot flow to ${x} (lower rank)`);
  }
  const axes = broadcastAxes(x.shape, grad.shape);
  const summed = axes.length > 0 ? reduceSum(grad, axes, false) : grad;
  return reshapeAs(summed, x);
}

function sum(vs: Value[]): Value {
  let acc = vs[0]!;
  for (const v of vs.slice(1)) acc = add(acc, v);
  return acc;
}

/**
 * Gradients of `loss` (any float shape; a non-scalar loss is seeded with ones) with respect to each of `wrt`,
 * built in the active graph. A `wrt` the loss does not depend on gets zeros. `seed`, loss-shaped, replaces
 * the ones (a vector-Jacobian product, torch's `grad_outputs`): the gradients of sum(loss · seed), used when
 * a caller builds d loss / d output itself (the LM's cross-entropy, nn/lm.ts).
 */
export function grad(loss: Value, wrt: readonly Value[], seed?: Value): Value[] {
  const g = loss.graph.active;
  if (!isFloat(loss.dtype)) throw g.error("grad", `loss must be a float tensor, got ${loss}`);
  if (seed && (seed.dtype !== loss.dtype || !sameShape(seed.shape, loss.shape))) {
    throw g.error("grad", `seed ${seed} must have the dtype and shape of ${loss}`);
  }
  for (const w of wrt) {
    if (!isFloat(w.dtype)) {
      throw g.error("grad", `gradient requested for ${w}, which is ${w.dtype}: only float values have gradients`);
    }
  }

  // Nodes the loss depends on (backward from loss) …
  const ancestors = new Set<Node>();
  const stack: Value[] = [loss];
  while (stack.length > 0) {
    const n = stack.pop()!.producer;
    if (!n || ancestors.has(n)) continue;
    ancestors.add(n);
    stack.push(...dependencies(n));
  }
  // … that depend on some wrt (forward, in creation order).
  const order = [...ancestors].sort((a, b) => a.seq - b.seq);
  const active = new Set<Value>(wrt);
  const onPath: Node[] = [];
  for (const n of order) {
    if (dependencies(n).some((v) => active.has(v))) {
      onPath.push(n);
      for (const o of n.outputs) if (isFloat(o.dtype)) active.add(o);
    }
  }

  const contributions = new Map<Value, Value[]>();
  const contribute = (v: Value, gv: Value) => {
    const list = contributions.get(v);
    if (list) list.push(gv);
    else contributions.set(v, [gv]);
  };
  const one = seed ? null : g.constant(tensorOf(loss.dtype, [], [1]));
  contribute(loss, seed ?? (loss.rank === 0 ? one! : expandAs(one!, loss)));

  g.scope("grad", () => {
    for (const node of onPath.reverse()) {
      const dy = node.outputs.map((o) => {
        const list = contributions.get(o);
        return list ? sum(list) : null;
      });
      if (dy.every((d) => d === null)) continue;
      const wants = (i: number) => {
        const v = node.inputs[i];
        return v !== null && v !== undefined && active.has(v);
      };
      const grads = g.scope(node.scope || node.opType, () => GRAD_RULES[node.opType]({ node, dy, wants }));
      if (grads.length !== node.inputs.length) {
        throw new GraphBuildError(
          `grad rule for ${node.opType} returned ${grads.length} gradients for ${node.inputs.length} inputs`,
        );
      }
      grads.forEach((gv, i) => {
        const x = node.inputs[i];
        if (!gv || !x || !wants(i)) return;
        contribute(x, unbroadcast(gv, x));
      });
    }
  });

  return wrt.map((w) => {
    const list = contributions.get(w);
    return list ? sum(list) : zerosLike(w);
  });
}
