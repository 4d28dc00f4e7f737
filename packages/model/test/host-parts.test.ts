// The one-off host runs of model parts (src/host-parts.ts): integer inputs out of range are rejected before
// anything runs, with a RangeError naming the value, its index and the bound, where ONNX Runtime would fail
// deep inside a Gather or silently return a wrong number; in-range inputs give the float64-computed values.

import { describe, expect, test } from "bun:test";
import { headSize, hostCrossEntropy, hostMultiheadSelfAttention } from "../src/host-parts.ts";

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

describe("headSize and hostMultiheadSelfAttention", () => {
  test("dModel / numHeads must be whole, and even with RoPE", () => {
    expect(headSize(12, 3, true)).toBe(4);
    expect(headSize(9, 3, false)).toBe(3);
    expect(() => headSize(9, 2, false)).toThrow(/dModel \(9\) must be divisible by numHeads \(2\)/);
    expect(() => headSize(9, 3, true)).toThrow(/head size dModel\/numHeads must be even, got 9\/3 = 3/);
    expect(() => headSize(8, 0, false)).toThrow(/numHeads must be a positive integer, got 0/);
  });
  test("bad head counts and an x of the wrong width are rejected before building", async () => {
    const sq = (n: number) => f32(new Array(n * n).fill(0.1), [n, n]);
    const w = { q: sq(6), k: sq(6), v: sq(6), o: sq(6) };
    const x = f32(new Array(12).fill(1), [1, 2, 6]);
    const rope = { theta: 10000, maxSeqLen: 4, positions: i32([0, 1], [2]) };
    await expect(hostMultiheadSelfAttention(6, 4, w, x, rope)).rejects.toThrow(/must be divisible by numHeads \(4\)/);
    await expect(hostMultiheadSelfAttention(8, 2, w, x)).rejects.toThrow(/last dimension must be dModel \(8\)/);
    const y = await hostMultiheadSelfAttention(6, 3, w, x, rope);
    expect(y.shape).toEqual([1, 2, 6]);
  });
});
