// Transpose folding: undoing a Transpose returns the original Value (no node), other permutations still add
// one; a Linear's weight gradient is then a single MatMul (no (in, out) → (out, in) copy). Its values are
// checked against central differences in gradcheck.test.ts (MatMul's x·Wᵀ case).

import { describe, expect, test } from "bun:test";
import { grad } from "../src/autodiff/gradient.ts";
import { Graph } from "../src/graph/graph.ts";
import { mul } from "../src/graph/ops-elementwise.ts";
import { reduceSum } from "../src/graph/ops-reduce.ts";
import { transpose } from "../src/graph/ops-shape.ts";
import { linear } from "../src/nn/layers.ts";

describe("transpose folding", () => {
  test("the inverse permutation returns the input; others add a node", () => {
    const g = new Graph("t");
    const x = g.input("x", "float32", [2, 3, 4]);
    const y = transpose(x, [2, 0, 1]); // (4, 2, 3)
    expect(transpose(y, [1, 2, 0])).toBe(x);
    const z = transpose(y, [0, 2, 1]); // not the inverse
    expect(z).not.toBe(x);
    expect(z.shape).toEqual([4, 3, 2]);
    expect(z.producer?.opType).toBe("Transpose");
  });

  test("a Linear's weight gradient is one MatMul", () => {
    const g = new Graph("lin");
    const x = g.input("x", "float32", [5, 3]);
    const w = g.input("w", "float32", [4, 3]);
    const y = linear(x, w); // (5, 4)
    const [dw] = grad(reduceSum(mul(y, y), [0, 1]), [w]);
    expect(dw!.shape).toEqual([4, 3]);
    expect(dw!.producer?.opType).toBe("MatMul");
  });
});
