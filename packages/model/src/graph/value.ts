// The IR's data: dtypes, shapes (static numbers or symbolic names such as "B" or "B*T"), constant tensors,
// values (one output of one node, or a graph input) and nodes (an ONNX op type with attributes).
// Reference: ONNX IR spec (onnx/docs/IR.md). Leaves out sparse tensors, strings, sequences and optionals.

import type { Graph } from "./graph.ts";
import type { OpType } from "./op-types.ts";

export type DType = "float32" | "float64" | "float16" | "int64" | "int32" | "uint8" | "int8" | "bool";
/** A dimension: a number, or a symbol ("B"), or a product of symbols and numbers ("B*T"). */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type TensorArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;
/** A concrete tensor (constants, initializers, runtime feeds and results); row-major, bool as Uint8Array. */
export type TensorData = { dtype: DType; shape: number[]; data: TensorArray };

const FLOAT_DTYPES: ReadonlySet<DType> = new Set(["float32", "float64", "float16"]);
export const isFloat = (d: DType) => FLOAT_DTYPES.has(d);

/** Node attributes, tagged because ONNX distinguishes int from float attributes. */
export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { t: TensorData }
  | { g: Graph };

export class Value {
  /** @internal set by Graph when it creates the value */
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    /** null for graph inputs and initializers */
    readonly producer: Node | null,
    readonly outputIndex = 0,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

export class Node {
  readonly outputs: Value[] = [];
  constructor(
    readonly graph: Graph,
    readonly opType: OpType,
    readonly name: string,
    /** null marks an omitted optional input (emitted as "") */
    readonly inputs: readonly (Value | null)[],
    readonly attrs: Readonly<Record<string, Attr>>,
    /** the scope stack when the node was added, e.g. "layers.0.attn" */
    readonly scope: string,
    /** creation order across the whole graph tree: a topological order, subgraphs included */
    readonly seq = 0,
  ) {}
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

function tensorSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Static shape or null when any dimension is symbolic. */
export function staticShape(shape: Shape): number[] | null {
  return shape.every((d) => typeof d === "number") ? (shape as number[]) : null;
}

function arrayFor(dtype: DType, n: number): TensorArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "int32":
      return new Int32Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
    case "float16":
      throw new TypeError("float16 constants are not supported; build in float32 and Cast");
  }
}

/** A tensor of `dtype` holding the given numbers (rounded for integer dtypes, 0/1 for bool). */
export function tensorOf(dtype: DType, shape: readonly number[], values: ArrayLike<number>): TensorData {
  const n = tensorSize(shape);
  if (values.length !== n) {
    throw new RangeError(`tensor of shape ${formatShape(shape)} needs ${n} values, got ${values.length}`);
  }
  const data = arrayFor(dtype, n);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) data[i] = BigInt(Math.trunc(values[i]!));
  } else if (dtype === "bool") {
    for (let i = 0; i < n; i++) data[i] = values[i] ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) data[i] = values[i]!;
  }
  return { dtype, shape: [...shape], data };
}
