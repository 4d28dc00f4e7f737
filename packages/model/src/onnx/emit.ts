// ONNX emission: Graph → ModelProto bytes (opset 23 by default, 19–22 on request; ai.onnx domain), and a
// decoder back to a plain summary for tests and tools. The only file that imports onnx-proto. Nodes that no
// output depends on are dropped; `float64: true` emits the same graph with every float32 tensor, constant and
// Cast made float64 (for checks). Leaves out: external data (models over 2 GiB), value_info for intermediates.

import { onnx } from "onnx-proto";
import { dtypeOfCode, onnxDtypeCode } from "../graph/ops-elementwise.ts";
import type { Graph } from "../graph/graph.ts";
import type { Attr, DType, Node, Shape, TensorData, Value } from "../graph/value.ts";

export const OPSET = 23;
/** IR version 11 is the one that introduced opset 23 (ONNX 1.18). */
export const IR_VERSION = 11;

/**
 * The opsets the emitted graphs are valid in, each with the IR version that introduced it. Every op type we
 * emit has the same inputs, outputs and attributes from 19 to 23: the newer versions of Cast, Constant,
 * ConstantOfShape, Identity, Loop, Reshape, Squeeze, Transpose and Unsqueeze only add 4-bit and 8-bit float
 * or int types (checked against onnx 1.23's schemas). Opset 19 is the fallback for runtimes whose kernels stop
 * at 19: ONNX Runtime's CUDA provider registered Loop, Identity and ConstantOfShape only up to their opset-19
 * versions before 1.30, so at 23 those nodes (the training step's outer Loop included) ran on the CPU.
 */
export const SUPPORTED_OPSETS: Readonly<Record<number, number>> = { 19: 9, 20: 9, 21: 10, 22: 10, 23: 11 };

export type EmitOptions = {
  /** emit a float64 variant: every float32 becomes float64 (weights, constants, Casts, inputs, outputs) */
  float64?: boolean;
  /** recorded in the model's producer_name */
  producer?: string;
  /** ai.onnx opset to declare; default OPSET (23), one of SUPPORTED_OPSETS */
  opset?: number;
};

type Ctx = { float64: boolean };

const mapDtype = (d: DType, c: Ctx): DType => (c.float64 && d === "float32" ? "float64" : d);

function tensorProto(t: TensorData, name: string, c: Ctx): onnx.ITensorProto {
  let data = t.data;
  if (c.float64 && t.dtype === "float32") data = Float64Array.from(data as Float32Array);
  const dtype = mapDtype(t.dtype, c);
  // Copy: protobufjs may keep a reference, and the source may be a view into a bigger buffer.
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dims: t.shape, dataType: onnxDtypeCode(dtype), rawData: raw };
}

function valueInfo(name: string, dtype: DType, shape: Shape, c: Ctx): onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: onnxDtypeCode(mapDtype(dtype, c)), shape: { dim } } } };
}

const A = onnx.AttributeProto.AttributeType;

function attribute(name: string, a: Attr, node: Node, c: Ctx): onnx.IAttributeProto {
  if ("i" in a) {
    // Cast's target dtype follows the float64 switch like every other float32 in the graph.
    const i = node.opType === "Cast" && name === "to" && c.float64 && a.i === onnxDtypeCode("float32") ? 11 : a.i;
    return { name, type: A.INT, i };
  }
  if ("f" in a) return { name, type: A.FLOAT, f: a.f };
  if ("s" in a) return { name, type: A.STRING, s: new TextEncoder().encode(a.s) };
  if ("ints" in a) return { name, type: A.INTS, ints: [...a.ints] };
  if ("floats" in a) return { name, type: A.FLOATS, floats: [...a.floats] };
  if ("t" in a) return { name, type: A.TENSOR, t: tensorProto(a.t, "", c) };
  return { name, type: A.GRAPH, g: graphProto(a.g, c) };
}

/** Values used by `graph`'s live nodes (and their subgraphs) that live in an enclosing graph. */
function outerRefs(graph: Graph, live: Set<Node>): Set<Value> {
  const refs = new Set<Value>();
  for (const n of live) {
    for (const v of n.inputs) if (v && v.graph !== graph) refs.add(v);
    for (const a of Object.values(n.attrs)) {
      if ("g" in a) for (const v of outerRefs(a.g, liveNodes(a.g))) if (v.graph !== graph) refs.add(v);
    }
  }
  return refs;
}

/** Nodes of `graph` that some output of `graph` depends on, including through subgraph outer references. */
function liveNodes(graph: Graph): Set<Node> {
  const live = new Set<Node>();
  const stack: Value[] = [...graph.outputs];
  while (stack.length > 0) {
    const n = stack.pop()!.producer;
    if (!n || n.graph !== graph || live.has(n)) continue;
    live.add(n);
    for (const v of n.inputs) if (v) stack.push(v);
    for (const a of Object.values(n.attrs)) if ("g" in a) stack.push(...outerRefs(a.g, liveNodes(a.g)));
  }
  return live;
}

function graphProto(graph: Graph, c: Ctx): onnx.IGraphProto {
  const live = liveNodes(graph);
  const node: onnx.INodeProto[] = graph.nodes
    .filter((n) => live.has(n))
    .map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: "",
      input: n.inputs.map((v) => (v ? v.name : "")),
      output: n.outputs.map((v) => v.name),
      attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a, n, c)),
    }));
  return {
    name: graph.name,
    node,
    input: graph.inputs.map((v) => valueInfo(v.name, v.dtype, v.shape, c)),
    output: graph.outputs.map((v) => valueInfo(v.name, v.dtype, v.shape, c)),
    initializer: [...graph.initializers].map(([name, { tensor }]) => tensorProto(tensor, name, c)),
  };
}

/** Serializes a root graph as an ONNX model. */
export function emitModel(graph: Graph, opts: EmitOptions = {}): Uint8Array {
  if (graph.parent) throw new Error(`emitModel: "${graph.name}" is a subgraph; emit its root graph`);
  if (graph.outputs.length === 0)
    throw new Error(`emitModel: graph "${graph.name}" has no outputs; call graph.output()`);
  const opset = opts.opset ?? OPSET;
  const irVersion = SUPPORTED_OPSETS[opset];
  if (irVersion === undefined) {
    throw new RangeError(`emitModel: opset ${opset} is not supported; use one of ${Object.keys(SUPPORTED_OPSETS)}`);
  }
  const c: Ctx = { float64: opts.float64 ?? false };
  const model: onnx.IModelProto = {
    irVersion,
    producerName: opts.producer ?? "cs336-ts",
    opsetImport: [{ domain: "", version: opset }],
    graph: graphProto(graph, c),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export type TensorInfo = { name: string; dtype: DType; shape: (number | string)[] };
export type ModelSummary = {
  irVersion: number;
  opset: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  initializers: TensorInfo[];
  nodes: { name: string; opType: string; inputs: string[]; outputs: string[] }[];
};

function infoOf(v: onnx.IValueInfoProto): TensorInfo {
  const t = v.type?.tensorType;
  const shape = (t?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
  return { name: v.name ?? "", dtype: dtypeOfCode(t?.elemType ?? 0), shape };
}

/** Decodes model bytes into a summary of the top-level graph (names, dtypes, shapes, node op types). */
export function summarizeModel(bytes: Uint8Array): ModelSummary {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph as onnx.GraphProto | null;
  if (!g) throw new Error("summarizeModel: the model has no graph");
  return {
    irVersion: Number(m.irVersion),
    opset: Number(m.opsetImport.find((o) => !o.domain)?.version ?? 0),
    inputs: g.input.map(infoOf),
    outputs: g.output.map(infoOf),
    initializers: g.initializer.map((t) => ({
      name: t.name ?? "",
      dtype: dtypeOfCode(t.dataType ?? 0),
      shape: (t.dims ?? []).map(Number),
    })),
    nodes: g.node.map((n) => ({
      name: n.name ?? "",
      opType: n.opType ?? "",
      inputs: n.input ?? [],
      outputs: n.output ?? [],
    })),
  };
}

const DOUBLE = onnxDtypeCode("float64");

function graphUsesDouble(g: onnx.IGraphProto): boolean {
  const infos = [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])];
  if (infos.some((v) => v.type?.tensorType?.elemType === DOUBLE)) return true;
  if ((g.initializer ?? []).some((t) => t.dataType === DOUBLE)) return true;
  return (g.node ?? []).some((n) =>
    (n.attribute ?? []).some(
      (a) =>
        a.t?.dataType === DOUBLE ||
        (n.opType === "Cast" && a.name === "to" && Number(a.i) === DOUBLE) ||
        (a.g ? graphUsesDouble(a.g) : false),
    ),
  );
}

/** True when the model has any float64 input, output, initializer or constant (the runtime picks "basic"). */
export function usesFloat64(bytes: Uint8Array): boolean {
  const g = onnx.ModelProto.decode(bytes).graph;
  return g ? graphUsesDouble(g) : false;
}
