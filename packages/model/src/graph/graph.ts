// The graph builder: named inputs, initializers, nodes in insertion (hence topological) order, named outputs,
// a scope stack for readable node names and error messages, and subgraphs (Loop bodies) that may read
// outer-scope values. Nodes always go into the *active* graph, so ops built inside a Loop body land in the
// body even when all their inputs come from outside. Leaves out: graph rewriting and node removal.

import { isOpType, type OpType } from "./op-types.ts";
import { type Attr, type DType, formatShape, Node, type Shape, type TensorData, tensorOf, Value } from "./value.ts";

/** A graph that cannot be built as asked: wrong shapes, dtypes, names or unsupported requests. */
export class GraphBuildError extends Error {
  override name = "GraphBuildError";
}

/** State shared by a root graph and all its subgraphs: names are unique across the whole tree (ONNX SSA). */
class BuildContext {
  readonly scopes: string[] = [];
  readonly active: Graph[] = [];
  readonly names = new Set<string>();
  readonly counters = new Map<string, number>();
  /** where each symbolic dim first appears (a graph input and axis), to read it at run time */
  readonly symbols = new Map<string, { value: Value; axis: number }>();
  nodeCount = 0;

  scopeName(): string {
    return this.scopes.join(".");
  }

  fresh(base: string): string {
    let n = this.counters.get(base) ?? 0;
    let name = `${base}_${n}`;
    while (this.names.has(name)) name = `${base}_${++n}`;
    this.counters.set(base, n + 1);
    return name;
  }
}

export type OutputSpec = { dtype: DType; shape: Shape };

export class Graph {
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers = new Map<string, { value: Value; tensor: TensorData }>();
  readonly nodes: Node[] = [];
  readonly parent: Graph | null;
  /** @internal */
  readonly ctx: BuildContext;

  constructor(
    readonly name = "main",
    parent: Graph | null = null,
  ) {
    this.parent = parent;
    this.ctx = parent ? parent.ctx : new BuildContext();
    if (!parent) this.ctx.active.push(this);
  }

  /** The graph new nodes go into: this root, or the Loop body being built. */
  get active(): Graph {
    return this.ctx.active[this.ctx.active.length - 1]!;
  }

  /** A named graph input, e.g. `g.input("layers.0.attn.q_proj.weight", "float32", [64, 64])`. */
  input(name: string, dtype: DType, shape: Shape): Value {
    this.claim(name, "input");
    const v = new Value(this, name, dtype, [...shape], null);
    this.inputs.push(v);
    shape.forEach((d, axis) => {
      if (typeof d === "string" && !d.includes("*") && !this.ctx.symbols.has(d))
        this.ctx.symbols.set(d, { value: v, axis });
    });
    return v;
  }

  /** A weight stored inside the model (an ONNX initializer); use `input` to feed it at run time instead. */
  initializer(name: string, tensor: TensorData): Value {
    if (this.parent) throw new GraphBuildError(`initializer "${name}": put initializers on the root graph`);
    this.claim(name, "initializer");
    const v = new Value(this, name, tensor.dtype, [...tensor.shape], null);
    this.initializers.set(name, { value: v, tensor });
    return v;
  }

  /** A constant tensor, as a Constant node in the active graph. */
  constant(tensor: TensorData, name?: string): Value {
    return this.active.addNode("Constant", [], { value: { t: tensor } }, [tensor], name)[0]!;
  }

  /** A scalar (shape []) constant. */
  scalar(x: number, dtype: DType): Value {
    return this.constant(tensorOf(dtype, [], [x]));
  }

  /** Marks `value` as a graph output called `name` (through an Identity so the name is exactly `name`). */
  output(name: string, value: Value): Value {
    this.checkVisible("output", value);
    const saved = this.ctx.active.length;
    this.ctx.active.push(this);
    try {
      const out = this.addNode("Identity", [value], {}, [value], name)[0]!;
      this.outputs.push(out);
      return out;
    } finally {
      this.ctx.active.length = saved;
    }
  }

  /** Runs `fn` with `name` pushed on the scope stack: node names become "name/Op_3", errors name the layer. */
  scope<T>(name: string, fn: () => T): T {
    this.ctx.scopes.push(name);
    try {
      return fn();
    } finally {
      this.ctx.scopes.pop();
    }
  }

  /** A child graph (a Loop body) that may read this graph's values; build it inside `buildIn`. */
  subgraph(name: string): Graph {
    return new Graph(name, this);
  }

  /** Runs `fn` with this (sub)graph active, so ops called inside add their nodes here. */
  buildIn<T>(fn: () => T): T {
    this.ctx.active.push(this);
    try {
      return fn();
    } finally {
      this.ctx.active.pop();
    }
  }

  /** True when `v` belongs to this graph or an enclosing one (ONNX outer-scope visibility). */
  sees(v: Value): boolean {
    for (let g: Graph | null = this; g; g = g.parent) if (v.graph === g) return true;
    return false;
  }

  /** An error for `op` naming the current scope, e.g. `MatMul in layers.0.attn: …`. */
  error(op: string, detail: string): GraphBuildError {
    const where = this.ctx.scopeName();
    return new GraphBuildError(`${op}${where ? ` in ${where}` : ""}: ${detail}`);
  }

  /**
   * Adds a node with already-checked output types and returns its outputs. Op functions call this; the
   * node's inputs must be visible from this graph.
   */
  addNode(
    opType: OpType,
    inputs: readonly (Value | null)[],
    attrs: Record<string, Attr>,
    outputs: readonly OutputSpec[],
    outputName?: string,
  ): Value[] {
    if (!isOpType(opType)) {
      throw this.error(
        String(opType),
        "unknown op type: add it to graph/op-types.ts with a builder and a gradient rule",
      );
    }
    for (const v of inputs) if (v) this.checkVisible(opType, v);
    const scope = this.ctx.scopeName();
    const base = scope ? `${scope}/${opType}` : opType;
    const nodeName = this.ctx.fresh(base);
    this.ctx.names.add(nodeName);
    const node = new Node(this, opType, nodeName, [...inputs], attrs, scope, this.ctx.nodeCount++);
    outputs.forEach((spec, i) => {
      let name = outputs.length === 1 ? nodeName : `${nodeName}:${i}`;
      if (outputName !== undefined) name = outputs.length === 1 ? outputName : `${outputName}:${i}`;
      if (name !== nodeName) this.claim(name, `${opType} output`);
      node.outputs.push(new Value(this, name, spec.dtype, [...spec.shape], node, i));
    });
    this.nodes.push(node);
    return node.outputs;
  }

  private claim(name: string, what: string): void {
    if (!name) throw new GraphBuildError(`${what}: names must be non-empty`);
    if (this.ctx.names.has(name)) {
      throw new GraphBuildError(`${what} "${name}": the name is already used in this graph; pick a unique name`);
    }
    this.ctx.names.add(name);
  }

  private checkVisible(op: string, v: Value): void {
    if (v.graph.ctx !== this.ctx) {
      throw this.error(op, `value ${v} belongs to a different graph; build each model in one Graph`);
    }
    if (!this.sees(v)) {
      throw this.error(
        op,
        `value ${v} is local to subgraph "${v.graph.name}" and not visible in "${this.name}"; ` +
          "use the Loop's outputs instead",
      );
    }
  }
}

/** The active graph of the values' build tree (the first Value found). */
export function activeGraph(op: string, ...vs: readonly unknown[]): Graph {
  for (const v of vs) if (v instanceof Value) return v.graph.active;
  throw new GraphBuildError(`${op}: needs at least one Value input (plain numbers alone have no graph)`);
}

export function describe(v: Value): string {
  return `${v.dtype}${formatShape(v.shape)}`;
}
