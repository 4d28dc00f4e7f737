// The one-off host runs of model parts (src/host-parts.ts): ids, targets and positions out of range are
// rejected before anything runs, with a RangeError naming the value, its index and the bound (ONNX Runtime
// would fail inside a Gather or silently return a wrong number); in-range inputs give hand-computed values.
// Also the argument checks: head size, token shapes, the cosine schedule's arguments (against CS336's values).

import { describe, expect, test } from "bun:test";
import {
  checkedCosineLr,
  headSize,
  hostCrossEntropy,
  hostEmbedding,
  hostMultiheadSelfAttention,
  hostRope,
  tokenBatchShape,
} from "../src/testing/host-parts.ts";

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

describe("hostEmbedding and hostRope", () => {
  const table = f32([1, 2, 3, 4, 5, 6], [3, 2]);
  test("embedding picks rows; ids >= vocab or < 0 (which Gather would wrap) are RangeErrors", async () => {
    expect(Array.from((await hostEmbedding(table, i32([2, 0], [2]))).data)).toEqual([5, 6, 1, 2]);
    await expect(hostEmbedding(table, i32([0, 3], [1, 2]))).rejects.toThrow(
      /ids: token id 3 at index 1 not in \[0, 3\)/,
    );
    await expect(hostEmbedding(table, i32([-1], [1]))).rejects.toThrow(/ids: token id -1 at index 0 not in \[0, 3\)/);
  });
  test("rope rotates pair k by p·theta^(-2k/d); positions outside [0, maxSeqLen) are RangeErrors", async () => {
    const x = f32([1, 0, 1, 0], [2, 2]);
    const y = await hostRope(2, 10000, 4, x, i32([0, 3], [2]));
    expect(Array.from(y.data).map((v) => Number(v.toFixed(6)))).toEqual([
      1,
      0,
      Number(Math.cos(3).toFixed(6)),
      Number(Math.sin(3).toFixed(6)),
    ]);
    await expect(hostRope(2, 10000, 4, x, i32([0, 4], [2]))).rejects.toThrow(
      /positions: position 4 at index 1 not in \[0, 4\); .*raise it/,
    );
    await expect(hostRope(2, 10000, 4, x, i32([-1, 0], [2]))).rejects.toThrow(/position -1 at index 0 not in \[0, 4\)/);
    await expect(hostRope(4, 10000, 4, x, i32([0, 1], [2]))).rejects.toThrow(/last dimension must be dHead \(4\)/);
  });
  test("multi-head attention checks RoPE positions too", async () => {
    const sq = f32(new Array(16).fill(0.1), [4, 4]);
    const x = f32(new Array(8).fill(1), [1, 2, 4]);
    const rope = { theta: 10000, maxSeqLen: 2, positions: i32([0, 2], [2]) };
    await expect(hostMultiheadSelfAttention(4, 2, { q: sq, k: sq, v: sq, o: sq }, x, rope)).rejects.toThrow(
      /position 2 at index 1 not in \[0, 2\)/,
    );
  });
});

describe("tokenBatchShape", () => {
  test("(B, T) and (T) token shapes; other ranks name the expected shapes", () => {
    expect(tokenBatchShape([3, 5])).toEqual([3, 5]);
    expect(tokenBatchShape([5])).toEqual([1, 5]);
    expect(() => tokenBatchShape([2, 3, 4])).toThrow(/tokens must have shape \(T\) or \(B, T\), got \[2,3,4\]/);
    expect(() => tokenBatchShape([])).toThrow(/got \[\]/);
  });
});

describe("checkedCosineLr", () => {
  const s = { maxLearningRate: 1, minLearningRate: 0.1, warmupIters: 7, cosineCycleIters: 21 };
  test("CS336's values, and cycle == warmup (no cosine phase) is allowed", () => {
    expect([0, 7, 14, 21, 22].map((it) => checkedCosineLr(it, s))).toEqual([0, 1, 0.55, 0.1, 0.1]);
    expect(checkedCosineLr(7, { ...s, cosineCycleIters: 7 })).toBe(1);
  });
  test("bad arguments are RangeErrors naming the argument", () => {
    expect(() => checkedCosineLr(-1, s)).toThrow(/iteration must be an integer >= 0, got -1/);
    expect(() => checkedCosineLr(Number.NaN, s)).toThrow(/iteration must be an integer >= 0, got NaN/);
    expect(() => checkedCosineLr(3, { ...s, warmupIters: 1.5 })).toThrow(/warmup iterations must be an integer/);
    expect(() => checkedCosineLr(3, { ...s, cosineCycleIters: 6 })).toThrow(
      /cosine cycle iterations \(6\) must be >= warmup iterations \(7\)/,
    );
    expect(() => checkedCosineLr(3, { ...s, minLearningRate: 2 })).toThrow(/min learning rate must lie in \[0, max/);
    expect(() => checkedCosineLr(3, { ...s, maxLearningRate: Number.POSITIVE_INFINITY })).toThrow(/max learning rate/);
  });
});
