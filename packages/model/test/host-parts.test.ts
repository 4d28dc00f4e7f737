// The one-off host runs of model parts (src/host-parts.ts): integer inputs out of range are rejected before
// anything runs, with a RangeError naming the value, its index and the bound, where ONNX Runtime would fail
// deep inside a Gather or silently return a wrong number; in-range inputs give the float64-computed values.

import { describe, expect, test } from "bun:test";
import { hostCrossEntropy } from "../src/host-parts.ts";

const f32 = (data: number[], shape: number[]) => ({ data: Float32Array.from(data), shape });
const i32 = (data: number[], shape: number[]) => ({ data: Int32Array.from(data), shape });

describe("hostCrossEntropy", () => {
  const logits = f32([1, 2, 3, 4, 5, 7], [2, 3]);
  test("in-range targets give the mean of logsumexp - picked logit", async () => {
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    const want = (lse([1, 2, 3]) - 1 + lse([4, 5, 7]) - 7) / 2;
    expect(await hostCrossEntropy(logits, i32([0, 2], [2]))).toBeCloseTo(want, 5);
  });
  test("a target >= V or < 0 is a RangeError naming it, its index and V", async () => {
    await expect(hostCrossEntropy(logits, i32([0, 3], [2]))).rejects.toThrow(
      /targets: token id 3 at index 1 not in \[0, 3\)/,
    );
    await expect(hostCrossEntropy(logits, i32([-1, 0], [2]))).rejects.toThrow(
      /targets: token id -1 at index 0 not in \[0, 3\)/,
    );
  });
});
