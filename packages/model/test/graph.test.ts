// Graph builder: bad graphs fail at build time with messages naming the op, both shapes and the calling
// layer; names are unique and scope-prefixed; symbolic dims check and carry through reshape/broadcast.

import { describe, expect, test } from "bun:test";
import {
  add,
  concat,
  type DType,
  expand,
  Graph,
  GraphBuildError,
  gather,
  grad,
  linear,
  loop,
  matMul,
  mul,
  type OpType,
  reduceSum,
  reshape,
  scatterND,
  slice,
  split,
  squeeze,
  transpose,
  where,
} from "../src/graph/index.ts";

const f32 = (g: Graph, name: string, shape: (number | string)[], dtype: DType = "float32") =>
  g.input(name, dtype, shape);

describe("build-time errors", () => {
  test("MatMul inner-dim mismatch names op, both shapes and the layer", () => {
    const g = new Graph();
    const x = f32(g, "x", ["B", "T", 64]);
    const w = f32(g, "w", [32, 64]);
    let msg = "";
    try {
      g.scope("layers.0", () => g.scope("attn", () => matMul(x, w)));
    } catch (e) {
      expect(e).toBeInstanceOf(GraphBuildError);
      msg = (e as Error).message;
    }
    expect(msg).toContain("MatMul");
    expect(msg).toContain("layers.0.attn");
    expect(msg).toContain("[B, T, 64]");
    expect(msg).toContain("[32, 64]");
  });

  test("linear with a transposed weight is caught in the layer", () => {
    const g = new Graph();
    expect(() => g.scope("ffn.w1", () => linear(f32(g, "x", [2, 8]), f32(g, "w", [8, 16])))).toThrow(
      /linear in ffn\.w1: x float32\[2, 8\] needs last dim = in of weight float32\[8, 16\]/,
    );
  });

  test("broadcasting mismatch, dtype mismatch, and symbolic vs static", () => {
    const g = new Graph();
    const a = f32(g, "a", [2, 3]);
    expect(() => add(a, f32(g, "b", [4]))).toThrow(/Add: shapes do not broadcast: float32\[2, 3\] vs float32\[4\]/);
    expect(() => mul(a, f32(g, "c", [2, 3], "float64"))).toThrow(/Mul: dtypes differ.*cast/);
    expect(() => add(f32(g, "s", ["B", 3]), f32(g, "t", [5, 3]))).toThrow(/do not broadcast/);
    expect(add(f32(g, "u", ["B", 3]), f32(g, "v", [1, 3])).shape).toEqual(["B", 3]);
    expect(() => where(a, a, a)).toThrow(/Where: condition must be bool/);
  });

  test("a plain number must be a value of an integer operand's dtype", () => {
    const g = new Graph();
    const ids = g.input("ids", "int64", [3]);
    // Each was a constant 0, -128 or 1 after truncation or wrapping: a silently wrong graph.
    expect(() => mul(ids, 0.5)).toThrow(
      /Mul: the number 0.5 is not a value of the other operand's dtype int64; cast\(\) that operand to float/,
    );
    expect(() => add(g.input("small", "int8", [2]), 128)).toThrow(/Add: the number 128 is not a value of .* int8/);
    expect(() => where(g.input("c", "bool", [3]), ids, Number.NEGATIVE_INFINITY)).toThrow(
      /Where: the number -Infinity/,
    );
    expect(() => add(ids, 2 ** 53)).toThrow(/not a value of .* int64/);
    expect(add(ids, -3).shape).toEqual([3]);
    expect(mul(f32(g, "f", [2]), 0.5).dtype).toBe("float32");
  });

  test("shape ops check their arguments", () => {
    const g = new Graph();
    const x = f32(g, "x", [2, 3, 4]);
    expect(() => reshape(x, [5, 5])).toThrow(/Reshape: float32\[2, 3, 4\] has 24 elements but target \[5, 5\] has 25/);
    expect(() => reshape(x, [-1, -1])).toThrow(/at most one -1/);
    expect(() => transpose(x, [0, 0, 1])).toThrow(/not a permutation/);
    expect(() => squeeze(x, [1])).toThrow(/size-1 axes/);
    expect(() => split(x, 1, [1, 1])).toThrow(/do not add up/);
    expect(() => concat([x, f32(g, "y", [2, 4, 4])], 2)).toThrow(/agree except on axis 2/);
    expect(() => expand(x, [5, 4])).toThrow(/does not broadcast/);
    expect(() => reduceSum(x, [3])).toThrow(/axes \[3\] invalid/);
    expect(() => slice(x, [0], [1], [7])).toThrow(/Slice/);
    expect(() => gather(x, f32(g, "ids", [2]))).toThrow(/int32\/int64 ids/);
    const idx = g.input("idx", "int64", [2, 1]);
    expect(() => scatterND(x, idx, f32(g, "upd", [2, 4]))).toThrow(
      /updates float32\[2, 4\] must be float32\[2, 3, 4\]/,
    );
  });

  test("unknown op type and bad names", () => {
    const g = new Graph();
    const x = f32(g, "x", [2]);
    expect(() => g.addNode("Frobnicate" as OpType, [x], {}, [{ dtype: "float32", shape: [2] }])).toThrow(
      /Frobnicate: unknown op type/,
    );
    expect(() => f32(g, "x", [3])).toThrow(/"x": the name is already used/);
    g.output("y", x);
    expect(() => g.output("y", x)).toThrow(/already used/);
  });

  test("gradient for an integer input is refused", () => {
    const g = new Graph();
    const table = f32(g, "table", [5, 2]);
    const ids = g.input("ids", "int64", [3]);
    const loss = reduceSum(gather(table, ids), [0, 1]);
    expect(() => grad(loss, [ids])).toThrow(/gradient requested for ids: int64\[3\], which is int64/);
  });

  test("values cross graphs only as ONNX allows", () => {
    const g = new Graph();
    const other = new Graph("other");
    expect(() => add(f32(g, "a", [2]), f32(other, "b", [2]))).toThrow(/different graph/);
    const w = f32(g, "w", [2]);
    let leaked: ReturnType<typeof add> | null = null;
    loop({ tripCount: 2, carried: [w] }, ({ carried: [p] }) => {
      leaked = add(p!, w); // outer-scope read: fine
      return { carried: [leaked] };
    });
    expect(() => mul(leaked!, w)).toThrow(/local to subgraph/);
  });
});

describe("names and shapes", () => {
  test("node names carry the scope; value names are unique", () => {
    const g = new Graph();
    const x = f32(g, "x", [2, 4]);
    const w = f32(g, "w", [3, 4]);
    const y = g.scope("layers.1", () => g.scope("ffn", () => linear(x, w)));
    expect(y.producer!.name).toBe("layers.1.ffn/MatMul_0");
    const names = g.nodes.flatMap((n) => n.outputs.map((o) => o.name));
    expect(new Set(names).size).toBe(names.length);
  });

  test("symbolic dims flow through reshape, matMul and broadcasting", () => {
    const g = new Graph();
    const x = f32(g, "x", ["B", "T", 8]);
    const flat = reshape(x, ["B*T", 8]);
    expect(flat.shape).toEqual(["B*T", 8]);
    const back = reshape(flat, ["B", "T", 2, 4]);
    expect(back.shape).toEqual(["B", "T", 2, 4]);
    expect(reshape(x, [-1, 4]).shape).toEqual(["2*B*T", 4]);
    expect(matMul(x, f32(g, "w", [8, 3])).shape).toEqual(["B", "T", 3]);
  });
});
