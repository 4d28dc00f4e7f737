// Gradient-check cases for every op of the IR, keyed by op type: typed as Record<OpType, …> so a new op
// without a case is a compile error, and ../gradcheck.test.ts also fails at run time on a missing entry.
// Each case builds a small float64 forward graph from inputs of given shapes (several shapes, broadcasting);
// ops without a gradient list the reason instead and are checked to return null.

import {
  abs,
  add,
  and,
  cast,
  concat,
  constantOfShape,
  div,
  END,
  equal,
  exp,
  expand,
  type Graph,
  gather,
  gatherND,
  greater,
  identity,
  int64s,
  less,
  log,
  logSoftmax,
  matMul,
  max,
  min,
  mul,
  neg,
  not,
  type OpType,
  pad,
  pow,
  reciprocal,
  reduceMax,
  reduceMean,
  reduceSum,
  reshape,
  scatterND,
  shapeOf,
  sigmoid,
  slice,
  softmax,
  split,
  sqrt,
  squeeze,
  sub,
  tanh,
  tensorOf,
  transpose,
  trilu,
  unsqueeze,
  type Value,
  where,
} from "../../src/graph/index.ts";

/** u: uniform in [-1, 1]; p: positive in [0.5, 2]; z: magnitude in [0.5, 1.5] with random sign. */
export type InputKind = "u" | "p" | "z";
export type GradCase = {
  inputs: [shape: number[], kind?: InputKind][];
  build: (g: Graph, x: Value[]) => Value | Value[];
};
export type OpChecks = GradCase[] | { noGradient: string };

const i64 = (g: Graph, shape: number[], v: number[]) => g.constant(tensorOf("int64", shape, v));
const x0 = (x: Value[]) => x[0]!;
const x1 = (x: Value[]) => x[1]!;
const x2 = (x: Value[]) => x[2]!;

export const GRAD_CASES: Record<OpType, OpChecks> = {
  Add: [
    { inputs: [[[2, 3]], [[2, 3]]], build: (_, x) => add(x0(x), x1(x)) },
    { inputs: [[[2, 3]], [[3]]], build: (_, x) => add(x0(x), x1(x)) },
    { inputs: [[[2, 1]], [[1, 3]]], build: (_, x) => add(x0(x), x1(x)) },
    { inputs: [[[2, 3]], [[]]], build: (_, x) => add(x0(x), x1(x)) },
  ],
  Sub: [
    { inputs: [[[2, 3]], [[3]]], build: (_, x) => sub(x0(x), x1(x)) },
    { inputs: [[[1, 3]], [[2, 1]]], build: (_, x) => sub(x0(x), x1(x)) },
  ],
  Mul: [
    { inputs: [[[2, 3]], [[2, 3]]], build: (_, x) => mul(x0(x), x1(x)) },
    { inputs: [[[2, 1, 3]], [[4, 1]]], build: (_, x) => mul(x0(x), x1(x)) },
    { inputs: [[[3]]], build: (_, x) => mul(x0(x), x0(x)) }, // fan-out: both inputs are the same value
  ],
  Div: [
    { inputs: [[[2, 3]], [[3], "p"]], build: (_, x) => div(x0(x), x1(x)) },
    {
      inputs: [
        [[], "p"],
        [[2, 2], "z"],
      ],
      build: (_, x) => div(x0(x), x1(x)),
    },
  ],
  Pow: [
    { inputs: [[[2, 3], "p"], [[2, 3]]], build: (_, x) => pow(x0(x), x1(x)) },
    { inputs: [[[2, 3], "p"]], build: (_, x) => pow(x0(x), 3) },
    { inputs: [[[3], "p"], [[2, 1]]], build: (_, x) => pow(x0(x), x1(x)) },
  ],
  Sqrt: [
    { inputs: [[[2, 3], "p"]], build: (_, x) => sqrt(x0(x)) },
    { inputs: [[[], "p"]], build: (_, x) => sqrt(x0(x)) },
  ],
  Exp: [
    { inputs: [[[2, 3]]], build: (_, x) => exp(x0(x)) },
    { inputs: [[[3, 1, 2], "z"]], build: (_, x) => exp(x0(x)) },
  ],
  Log: [
    { inputs: [[[2, 3], "p"]], build: (_, x) => log(x0(x)) },
    { inputs: [[[], "p"]], build: (_, x) => log(x0(x)) },
  ],
  Sigmoid: [
    { inputs: [[[2, 3]]], build: (_, x) => sigmoid(x0(x)) },
    { inputs: [[[2, 2, 2], "z"]], build: (_, x) => sigmoid(x0(x)) },
  ],
  Tanh: [
    { inputs: [[[2, 3]]], build: (_, x) => tanh(x0(x)) },
    { inputs: [[[5], "z"]], build: (_, x) => tanh(x0(x)) },
  ],
  Neg: [
    { inputs: [[[4]]], build: (_, x) => neg(x0(x)) },
    { inputs: [[[2, 1, 3]]], build: (_, x) => neg(x0(x)) },
  ],
  Abs: [
    { inputs: [[[2, 3], "z"]], build: (_, x) => abs(x0(x)) },
    { inputs: [[[], "z"]], build: (_, x) => abs(x0(x)) },
  ],
  Reciprocal: [
    { inputs: [[[2, 3], "p"]], build: (_, x) => reciprocal(x0(x)) },
    { inputs: [[[4, 1], "z"]], build: (_, x) => reciprocal(x0(x)) }, // negative inputs too
  ],
  Max: [
    { inputs: [[[2, 3]], [[3]]], build: (_, x) => max(x0(x), x1(x)) },
    { inputs: [[[2, 3]]], build: (_, x) => max(x0(x), 0.1) },
  ],
  Min: [
    { inputs: [[[2, 1]], [[1, 3]]], build: (_, x) => min(x0(x), x1(x)) },
    { inputs: [[[2, 3]], [[3]]], build: (_, x) => min(x0(x), x1(x)) }, // one side broadcast: its gradient sums
    { inputs: [[[2, 3]]], build: (_, x) => min(x0(x), -0.1) },
  ],
  Where: [
    { inputs: [[[2, 1]], [[2, 3]], [[3]]], build: (_, x) => where(greater(x0(x), 0), x1(x), x2(x)) },
    { inputs: [[[2, 3]]], build: (_, x) => where(less(x0(x), 0.2), 0, x0(x)) },
  ],
  Cast: [
    { inputs: [[[2, 3]]], build: (_, x) => cast(x0(x), "float64") },
    { inputs: [[[2, 3]]], build: (g, x) => mul(x0(x), cast(i64(g, [3], [1, -2, 3]), "float64")) },
  ],
  Identity: [
    { inputs: [[[2, 3]]], build: (_, x) => identity(x0(x)) },
    { inputs: [[[]]], build: (_, x) => identity(x0(x)) },
  ],
  Equal: { noGradient: "comparison: output is bool" },
  Less: { noGradient: "comparison: output is bool" },
  Greater: { noGradient: "comparison: output is bool" },
  Not: { noGradient: "logic: bool in, bool out" },
  And: { noGradient: "logic: bool in, bool out" },
  MatMul: [
    { inputs: [[[2, 3]], [[3, 4]]], build: (_, x) => matMul(x0(x), x1(x)) },
    { inputs: [[[2, 2, 3]], [[3, 4]]], build: (_, x) => matMul(x0(x), x1(x)) },
    { inputs: [[[2, 1, 2, 3]], [[3, 3, 2]]], build: (_, x) => matMul(x0(x), x1(x)) },
    { inputs: [[[3]], [[3, 2]]], build: (_, x) => matMul(x0(x), x1(x)) },
    { inputs: [[[2, 3]], [[3]]], build: (_, x) => matMul(x0(x), x1(x)) },
    { inputs: [[[3]], [[3]]], build: (_, x) => matMul(x0(x), x1(x)) },
    { inputs: [[[2, 2, 3]], [[3]]], build: (_, x) => matMul(x0(x), x1(x)) },
    // x·Wᵀ: the rule's Linear form, whose weight gradient is (dyᵀ·x)ᵀ so the Transposes cancel
    { inputs: [[[2, 3]], [[4, 3]]], build: (_, x) => matMul(x0(x), transpose(x1(x))) },
  ],
  ReduceSum: [
    { inputs: [[[2, 3, 4]]], build: (_, x) => reduceSum(x0(x), [1]) },
    { inputs: [[[2, 3, 4]]], build: (_, x) => reduceSum(x0(x), [0, 2], true) },
    { inputs: [[[2, 3]]], build: (_, x) => reduceSum(x0(x), [-1]) },
  ],
  ReduceMean: [
    { inputs: [[[2, 3, 4]]], build: (_, x) => reduceMean(x0(x), [1]) },
    { inputs: [[[2, 3, 4]]], build: (_, x) => reduceMean(x0(x), [-1, 0], true) },
  ],
  ReduceMax: [
    { inputs: [[[2, 3, 4]]], build: (_, x) => reduceMax(x0(x), [1]) },
    { inputs: [[[2, 3]]], build: (_, x) => reduceMax(x0(x), [-1], true) },
  ],
  Softmax: [
    { inputs: [[[2, 3, 4]]], build: (_, x) => softmax(x0(x), -1) },
    { inputs: [[[2, 3, 4]]], build: (_, x) => softmax(x0(x), 1) },
  ],
  LogSoftmax: [
    { inputs: [[[2, 3, 4]]], build: (_, x) => logSoftmax(x0(x), -1) },
    { inputs: [[[3, 2]]], build: (_, x) => logSoftmax(x0(x), 0) },
  ],
  Reshape: [
    { inputs: [[[2, 3, 4]]], build: (_, x) => reshape(x0(x), [6, 4]) },
    { inputs: [[[2, 3, 4]]], build: (_, x) => reshape(x0(x), [-1, 2]) },
  ],
  Transpose: [
    { inputs: [[[2, 3, 4]]], build: (_, x) => transpose(x0(x), [2, 0, 1]) },
    { inputs: [[[2, 3]]], build: (_, x) => transpose(x0(x)) },
  ],
  Unsqueeze: [
    { inputs: [[[2, 3]]], build: (_, x) => unsqueeze(x0(x), [0, 3]) },
    { inputs: [[[3]]], build: (_, x) => unsqueeze(x0(x), [-1]) },
  ],
  Squeeze: [
    { inputs: [[[2, 1, 3]]], build: (_, x) => squeeze(x0(x), [1]) },
    { inputs: [[[1, 3, 1]]], build: (_, x) => squeeze(x0(x), [0, -1]) },
  ],
  Expand: [
    { inputs: [[[3]]], build: (_, x) => expand(x0(x), [2, 3]) },
    { inputs: [[[2, 1]]], build: (_, x) => expand(x0(x), [3, 2, 4]) },
  ],
  Slice: [
    { inputs: [[[4, 5]]], build: (_, x) => slice(x0(x), [1, 0], [3, END]) },
    { inputs: [[[4, 5]]], build: (_, x) => slice(x0(x), [-3], [-1], [1]) },
  ],
  Pad: [
    { inputs: [[[2, 3]]], build: (_, x) => pad(x0(x), [1, 0, 0, 2]) },
    { inputs: [[[2, 1, 2]]], build: (_, x) => pad(x0(x), [0, 1, 2, 1, 0, 1], 0.5) }, // rank 3, non-zero fill
  ],
  Concat: [
    { inputs: [[[2, 3]], [[2, 2]]], build: (_, x) => concat([x0(x), x1(x)], 1) },
    { inputs: [[[1, 2]], [[2, 2]], [[1, 2]]], build: (_, x) => concat([x0(x), x1(x), x2(x)], 0) },
  ],
  Split: [
    { inputs: [[[2, 5]]], build: (_, x) => split(x0(x), 1, [2, 3]) },
    { inputs: [[[2, 5]]], build: (_, x) => split(x0(x), -1, [1, 4])[1]! }, // an unused piece gets zeros
  ],
  Trilu: [
    { inputs: [[[3, 4]]], build: (_, x) => trilu(x0(x), true) },
    { inputs: [[[2, 3, 3]]], build: (_, x) => trilu(x0(x), false, -1) },
    // k read at run time (the KV-cache mask's Tk - Tq + 1): here 4 - 3 = 1
    {
      inputs: [[[3, 4]]],
      build: (g, x) => trilu(x0(x), true, sub(gather(shapeOf(x0(x)), i64(g, [], [1])), 3)),
    },
  ],
  Gather: [
    { inputs: [[[5, 3]]], build: (g, x) => gather(x0(x), i64(g, [2, 3], [0, 4, 4, 1, 0, 4])) },
    { inputs: [[[4, 2]]], build: (g, x) => gather(x0(x), g.constant(tensorOf("int32", [3], [3, 3, 1]))) },
  ],
  GatherND: [
    { inputs: [[[3, 4]]], build: (g, x) => gatherND(x0(x), i64(g, [3, 2], [0, 1, 2, 3, 0, 1])) },
    { inputs: [[[3, 4]]], build: (g, x) => gatherND(x0(x), i64(g, [2, 1], [2, 0])) },
  ],
  ScatterND: [
    { inputs: [[[4, 3]], [[3, 3]]], build: (g, x) => scatterND(x0(x), i64(g, [3, 1], [1, 3, 1]), x1(x), "add") },
    { inputs: [[[4, 3]], [[2, 3]]], build: (g, x) => scatterND(x0(x), i64(g, [2, 1], [0, 2]), x1(x), "none") },
  ],
  Constant: { noGradient: "no inputs" },
  ConstantOfShape: { noGradient: "input is an int64 shape" },
  Shape: { noGradient: "output is an int64 shape" },
  Loop: { noGradient: "never differentiated through: the backward is built inside the body (the rule throws)" },
};

/** Builds one node of a no-gradient op (for calling its rule directly). */
export function buildNoGradientNode(op: OpType, g: Graph): Value | null {
  const b = g.input(`b_${op}`, "bool", [2]);
  const f = g.input(`f_${op}`, "float64", [2]);
  switch (op) {
    case "Equal":
      return equal(f, f);
    case "Less":
      return less(f, f);
    case "Greater":
      return greater(f, f);
    case "Not":
      return not(b);
    case "And":
      return and(b, b);
    case "Constant":
      return g.scalar(1, "float64");
    case "ConstantOfShape":
      return constantOfShape(int64s(g, [2]), [2], tensorOf("float64", [1], [0]));
    case "Shape":
      return shapeOf(f);
    default:
      return null;
  }
}
