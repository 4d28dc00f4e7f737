// ONNX emission: round trip through the decoder (opset, IR version, names, dtypes, symbolic dims,
// initializers), dead-node elimination, the float64 variant, and Loop bodies that read outer-scope values.

import { describe, expect, test } from "bun:test";
import {
  add,
  cast,
  emitModel,
  Graph,
  IR_VERSION,
  loop,
  matMul,
  mul,
  OPSET,
  reduceSum,
  sigmoid,
  summarizeModel,
  tensorOf,
  transpose,
  usesFloat64,
} from "../src/graph/index.ts";
import { runGraph } from "../src/runtime/index.ts";

function smallGraph(): Graph {
  const g = new Graph("small");
  const x = g.input("x", "float32", ["B", 3]);
  const w = g.initializer("proj.weight", tensorOf("float32", [2, 3], [1, 2, 3, 4, 5, 6]));
  const y = g.scope("proj", () => matMul(x, transpose(w)));
  mul(y, 123); // dead: no output depends on it
  g.output("y", mul(y, sigmoid(y)));
  g.output("y_int", cast(y, "int64"));
  return g;
}

describe("emission", () => {
  test("round trip keeps names, dtypes, symbolic dims and initializers; dead nodes are dropped", () => {
    const m = summarizeModel(emitModel(smallGraph()));
    expect(m.opset).toBe(OPSET);
    expect(m.opset).toBe(23);
    expect(m.irVersion).toBe(IR_VERSION);
    expect(m.inputs).toEqual([{ name: "x", dtype: "float32", shape: ["B", 3] }]);
    expect(m.outputs).toEqual([
      { name: "y", dtype: "float32", shape: ["B", 2] },
      { name: "y_int", dtype: "int64", shape: ["B", 2] },
    ]);
    expect(m.initializers).toEqual([{ name: "proj.weight", dtype: "float32", shape: [2, 3] }]);
    expect(m.nodes.map((n) => n.opType).sort()).toEqual(
      ["Cast", "Identity", "Identity", "MatMul", "Mul", "Sigmoid", "Transpose"].sort(),
    );
    expect(m.nodes.find((n) => n.opType === "MatMul")!.name).toBe("proj/MatMul_0");
  });

  test("float64 variant converts inputs, initializers and results, and runs", async () => {
    const bytes = emitModel(smallGraph(), { float64: true });
    expect(usesFloat64(bytes)).toBe(true);
    expect(usesFloat64(emitModel(smallGraph()))).toBe(false);
    const m = summarizeModel(bytes);
    expect(m.inputs[0]!.dtype).toBe("float64");
    expect(m.initializers[0]!.dtype).toBe("float64");
    const x = [0.5, -1, 2, 1, 1, 1];
    const r32 = await runGraph(smallGraph(), { x: tensorOf("float32", [2, 3], x) });
    const r64 = await runGraph(smallGraph(), { x: tensorOf("float64", [2, 3], x) }, { float64: true });
    expect(r64.y!.dtype).toBe("float64");
    const pre = [0.5 - 2 + 6, 2 - 5 + 12, 1 + 2 + 3, 4 + 5 + 6];
    pre.forEach((p, i) => {
      expect(r64.y!.data[i] as number).toBeCloseTo(p / (1 + Math.exp(-p)), 12);
      expect(r32.y!.data[i] as number).toBeCloseTo(p / (1 + Math.exp(-p)), 4);
    });
    expect(Array.from(r64.y_int!.data as BigInt64Array)).toEqual(pre.map((p) => BigInt(Math.trunc(p))));
  });

  test("Loop: carried values, scan outputs and outer-scope reads", async () => {
    const g = new Graph("looped");
    const x = g.input("x", "float32", [3]);
    const step = g.input("step", "float32", []);
    const { carried, scans } = loop({ tripCount: 4, carried: [x] }, ({ iter, carried: [c] }) => {
      const next = add(c!, mul(step, cast(iter, "float32"))); // x += step * i
      return { carried: [next], scans: [reduceSum(next, [0])] };
    });
    g.output("final", carried[0]!);
    g.output("sums", scans[0]!);
    expect(scans[0]!.shape).toEqual([4]);
    const r = await runGraph(g, { x: tensorOf("float32", [3], [1, 2, 3]), step: tensorOf("float32", [], [0.5]) });
    // after iterations i = 0..3 each element grows by 0.5 * (0 + 1 + 2 + 3) = 3
    expect(Array.from(r.final!.data as Float32Array)).toEqual([4, 5, 6]);
    expect(Array.from(r.sums!.data as Float32Array)).toEqual([6, 7.5, 10.5, 15]);
    const body = summarizeModel(emitModel(g)).nodes.find((n) => n.opType === "Loop");
    expect(body?.inputs[0]).toBeTruthy();
  });

  test("emitting a graph without outputs is a clear error", () => {
    const g = new Graph("empty");
    g.input("x", "float32", [1]);
    expect(() => emitModel(g)).toThrow(/has no outputs; call graph.output\(\)/);
  });
});
