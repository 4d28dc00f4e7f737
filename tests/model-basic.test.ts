// The model-basic adapters (linear, embedding, SiLU, softmax, cross-entropy) against the PyTorch float64
// reference values in tests/fixtures/reference, plus the stability cases: softmax of inputs around 100 and
// cross-entropy of logits scaled by 1000 stay finite and match a float64 computation.

import { describe, expect, test } from "bun:test";
import type { SafeTensor } from "@cs336-ts/model";
import { loadReference, referenceTensor as get } from "@cs336-ts/testkit";
import { runCrossEntropy, runEmbedding, runLinear, runSilu, runSoftmax, type Tensor } from "./adapters.ts";

const components = await loadReference("components");
const model = await loadReference("model");
const fb = await loadReference("forward_backward");
const f32 = (t: SafeTensor): Tensor => ({ data: t.data as Float32Array, shape: t.shape });
const ints = (t: SafeTensor) => ({ data: Int32Array.from(t.data as BigInt64Array, Number), shape: t.shape });

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) - rtol * Math.abs(expected[i]!);
    if (!(err <= worst)) worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
  }
  expect(worst).toBeLessThanOrEqual(atol);
}

/** float64 softmax along `axis` of a row-major tensor, as the reference for non-fixture cases. */
function softmax64(x: Tensor, axis: number): Float64Array {
  const shape = x.shape;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis]!;
  const out = new Float64Array(x.data.length);
  for (let base = 0; base < x.data.length; base += n * inner) {
    for (let k = 0; k < inner; k++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) m = Math.max(m, x.data[base + j * inner + k]!);
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(x.data[base + j * inner + k]! - m);
      for (let j = 0; j < n; j++) out[base + j * inner + k] = Math.exp(x.data[base + j * inner + k]! - m) / s;
    }
  }
  return out;
}

describe("model-basic adapters vs reference", () => {
  test("linear: y = x W^T", async () => {
    const x = f32(get(components, "x"));
    const w = f32(get(model, "layers.0.attn.q_proj.weight"));
    const y = await runLinear(w, x);
    expect(y.shape).toEqual([2, 12, 32]);
    const [rows, din] = [x.data.length / 32, 32];
    const want = new Float64Array(rows * w.shape[0]!);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < w.shape[0]!; o++) {
        let s = 0;
        for (let i = 0; i < din; i++) s += x.data[r * din + i]! * w.data[o * din + i]!;
        want[r * w.shape[0]! + o] = s;
      }
    }
    expectClose(y.data, want, 1e-5);
  });

  test("embedding picks rows of the table", async () => {
    const w = f32(get(model, "token_embeddings.weight"));
    const ids = ints(get(fb, "tokens"));
    const y = await runEmbedding(w, ids);
    expect(y.shape).toEqual([...ids.shape, 32]);
    ids.data.forEach((id, r) => {
      expect(Array.from(y.data.subarray(r * 32, r * 32 + 32))).toEqual(
        Array.from(w.data.subarray(id * 32, id * 32 + 32)),
      );
    });
  });

  test("embedding rejects an id outside [0, vocab) before running", async () => {
    const w = f32(get(model, "token_embeddings.weight"));
    const ids = ints(get(fb, "tokens"));
    ids.data[1] = w.shape[0]!;
    await expect(runEmbedding(w, ids)).rejects.toThrow(
      new RegExp(`ids: token id ${w.shape[0]} at index 1 not in \\[0, ${w.shape[0]}\\)`),
    );
  });

  test("silu matches the reference", async () => {
    const y = await runSilu(f32(get(components, "x")));
    expectClose(y.data, get(components, "silu").data as Float32Array, 1e-6);
  });

  test("softmax matches the reference, and inputs around 100 do not overflow", async () => {
    const x = f32(get(components, "softmax.x"));
    const want = get(components, "softmax").data as Float32Array;
    // The reference was computed from float64 inputs up to ~200 before they were rounded to float32
    // (spacing ~1.5e-5 there), so agreement is bounded by ~3e-6, not by our float32 arithmetic.
    expectClose((await runSoftmax(x, -1)).data, want, 1e-5);
    const shifted = { data: x.data.map((v) => v + 100), shape: x.shape };
    const y = await runSoftmax(shifted, 2);
    expect(y.data.every(Number.isFinite)).toBe(true);
    expectClose(y.data, want, 1e-5);
  });

  test("softmax along a middle axis matches a float64 computation", async () => {
    const x = f32(get(components, "softmax.x"));
    expectClose((await runSoftmax(x, 1)).data, softmax64(x, 1), 1e-6);
  });

  test("cross-entropy matches the reference, and logits ×1000 stay finite and match", async () => {
    const logits = f32(get(components, "ce.logits"));
    const targets = ints(get(components, "ce.targets"));
    const want = (get(components, "ce").data as Float32Array)[0]!;
    // The logits reach ±3800 and the loss is ~2580, so compare relatively (float32 spacing there is 2.4e-4).
    expect(Math.abs((await runCrossEntropy(logits, targets)) - want) / want).toBeLessThan(1e-6);

    const big = { data: logits.data.map((v) => v * 1000), shape: logits.shape };
    const [rows, vocab] = logits.shape as [number, number];
    let want64 = 0;
    for (let r = 0; r < rows; r++) {
      const row = Array.from(big.data.subarray(r * vocab, (r + 1) * vocab));
      const m = Math.max(...row);
      want64 += m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[targets.data[r]!]!;
    }
    want64 /= rows;
    const got = await runCrossEntropy(big, targets);
    expect(Number.isFinite(got)).toBe(true);
    expect(Math.abs(got - want64) / Math.abs(want64)).toBeLessThan(1e-5);
  });

  test("cross-entropy rejects a target outside [0, V) instead of returning a plausible loss", async () => {
    const logits = f32(get(components, "ce.logits"));
    const targets = ints(get(components, "ce.targets"));
    const vocab = logits.shape[1]!;
    targets.data[2] = vocab;
    await expect(runCrossEntropy(logits, targets)).rejects.toThrow(
      new RegExp(`token id ${vocab} at index 2 not in \\[0, ${vocab}\\)`),
    );
  });
});
