// Elementwise ops with numpy broadcasting: arithmetic, math functions, comparisons, Where and Cast. A plain
// number operand becomes a scalar Constant of the other operand's dtype, so `mul(x, 0.5)` reads naturally.
// Reference: ONNX operator docs (opset 23). Leaves out type promotion: operands must share a dtype.

import { activeGraph, describe, type Graph, GraphBuildError } from "./graph.ts";
import type { OpType } from "./op-types.ts";
import { broadcastShapes } from "./shape.ts";
import { type DType, isFloat, tensorOf, Value } from "./value.ts";

type Operand = Value | number;

/** The values a plain number may take as a constant of each non-float dtype. */
const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int8: [-128, 127],
  uint8: [0, 255],
  bool: [0, 1],
};

function asValue(g: Graph, op: string, x: Operand, dtype: DType): Value {
  if (x instanceof Value) return x;
  // tensorOf would truncate (mul(ids, 0.5) multiplying by 0) or wrap, silently.
  const range = INT_RANGE[dtype];
  if (range && !(Number.isInteger(x) && x >= range[0] && x <= range[1])) {
    throw g.error(
      op,
      `the number ${x} is not a value of the other operand's dtype ${dtype}; cast() that operand to float first`,
    );
  }
  return g.constant(tensorOf(dtype, [], [x]));
}

function dtypeOf(op: string, ...xs: Operand[]): DType {
  for (const x of xs) if (x instanceof Value) return x.dtype;
  throw new GraphBuildError(`${op}: needs at least one Value operand (plain numbers alone have no dtype)`);
}

/** Adds a broadcasting node; all inputs share `dtype` (checked), output dtype `outDtype`. */
function broadcastOp(op: OpType, xs: Operand[], outDtype?: DType, allowed?: (d: DType) => boolean): Value {
  const g = activeGraph(op, ...xs);
  const dtype = dtypeOf(op, ...xs);
  const vs = xs.map((x) => asValue(g, op, x, dtype));
  for (const v of vs) {
    if (v.dtype !== dtype) {
      throw g.error(op, `dtypes differ: ${vs.map(describe).join(" vs ")}; insert a cast()`);
    }
  }
  if (allowed && !allowed(dtype)) throw g.error(op, `dtype ${dtype} is not supported (inputs ${vs.map(describe)})`);
  const shape = broadcastShapes(...vs.map((v) => v.shape));
  if (!shape) {
    throw g.error(op, `shapes do not broadcast: ${vs.map(describe).join(" vs ")} (numpy rules, right-aligned)`);
  }
  return g.addNode(op, vs, {}, [{ dtype: outDtype ?? dtype, shape }])[0]!;
}

function unaryOp(op: OpType, x: Value, allowed: (d: DType) => boolean = isFloat): Value {
  const g = activeGraph(op, x);
  if (!allowed(x.dtype)) throw g.error(op, `dtype ${x.dtype} is not supported (input ${describe(x)})`);
  return g.addNode(op, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

const numeric = (d: DType) => d !== "bool";

export const add = (a: Operand, b: Operand) => broadcastOp("Add", [a, b], undefined, numeric);
export const sub = (a: Operand, b: Operand) => broadcastOp("Sub", [a, b], undefined, numeric);
export const mul = (a: Operand, b: Operand) => broadcastOp("Mul", [a, b], undefined, numeric);
export const div = (a: Operand, b: Operand) => broadcastOp("Div", [a, b], undefined, numeric);
/** Elementwise power; the exponent shares the base's dtype. */
export const pow = (a: Operand, b: Operand) => broadcastOp("Pow", [a, b], undefined, isFloat);
export const max = (a: Operand, b: Operand) => broadcastOp("Max", [a, b], undefined, numeric);
export const min = (a: Operand, b: Operand) => broadcastOp("Min", [a, b], undefined, numeric);
export const equal = (a: Operand, b: Operand) => broadcastOp("Equal", [a, b], "bool");
export const less = (a: Operand, b: Operand) => broadcastOp("Less", [a, b], "bool", numeric);
export const greater = (a: Operand, b: Operand) => broadcastOp("Greater", [a, b], "bool", numeric);
export const and = (a: Value, b: Value) => broadcastOp("And", [a, b], "bool", (d) => d === "bool");

export const sqrt = (x: Value) => unaryOp("Sqrt", x);
export const exp = (x: Value) => unaryOp("Exp", x);
export const log = (x: Value) => unaryOp("Log", x);
export const sigmoid = (x: Value) => unaryOp("Sigmoid", x);
export const tanh = (x: Value) => unaryOp("Tanh", x);
export const reciprocal = (x: Value) => unaryOp("Reciprocal", x);
export const neg = (x: Value) => unaryOp("Neg", x, (d) => d !== "bool" && d !== "uint8");
export const abs = (x: Value) => unaryOp("Abs", x, numeric);
export const not = (x: Value) => unaryOp("Not", x, (d) => d === "bool");
export const identity = (x: Value) => unaryOp("Identity", x, () => true);

/** `cond ? a : b` elementwise with broadcasting over all three. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  const g = activeGraph("Where", cond, a, b);
  if (cond.dtype !== "bool") throw g.error("Where", `condition must be bool, got ${describe(cond)}`);
  const dtype = dtypeOf("Where", a, b);
  const va = asValue(g, "Where", a, dtype);
  const vb = asValue(g, "Where", b, dtype);
  if (va.dtype !== vb.dtype) throw g.error("Where", `branches differ in dtype: ${describe(va)} vs ${describe(vb)}`);
  const shape = broadcastShapes(cond.shape, va.shape, vb.shape);
  if (!shape) {
    throw g.error("Where", `shapes do not broadcast: cond ${describe(cond)}, a ${describe(va)}, b ${describe(vb)}`);
  }
  return g.addNode("Where", [cond, va, vb], {}, [{ dtype, shape }])[0]!;
}

const ONNX_DTYPE_CODE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};
const DTYPE_OF_CODE = new Map(Object.entries(ONNX_DTYPE_CODE).map(([k, v]) => [v, k as DType]));

export const onnxDtypeCode = (d: DType): number => ONNX_DTYPE_CODE[d];
export function dtypeOfCode(code: number): DType {
  const d = DTYPE_OF_CODE.get(code);
  if (!d) throw new TypeError(`ONNX tensor type ${code} is not supported by this IR`);
  return d;
}

/** Converts dtype; a Cast to the same dtype still emits a node (cheap, keeps the graph literal). */
export function cast(x: Value, to: DType): Value {
  const g = activeGraph("Cast", x);
  return g.addNode("Cast", [x], { to: { i: ONNX_DTYPE_CODE[to] } }, [{ dtype: to, shape: x.shape }])[0]!;
}
