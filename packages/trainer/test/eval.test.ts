// Evaluation against test doubles: windows cover every target once, the loss matches a brute-force sum,
// uniform logits give ln V / perplexity V / the right bits per byte, and bad data is refused.
import { describe, expect, test } from "bun:test";
import { Rng } from "@cs336-ts/model";
import { type BatchLogitsModel, crossEntropyRow, evaluate, windowStarts } from "../src/inference/eval.ts";

/** Logits that depend on each input id and its position in the window (so windowing errors show). */
function hashedModel(V: number, T: number): BatchLogitsModel & { calls: number[] } {
  const calls: number[] = [];
  return {
    vocabSize: V,
    contextLength: T,
    calls,
    async logits(ids, B, seqLen) {
      calls.push(B);
      const out = new Float32Array(B * seqLen * V);
      for (let i = 0; i < B * seqLen; i++) {
        const rng = Rng.seeded((ids[i] as number) * 1000 + (i % seqLen));
        for (let v = 0; v < V; v++) out[i * V + v] = rng.nextNormal() * 2;
      }
      return out;
    },
  };
}

describe("windows", () => {
  test("sequential, non-overlapping, each target scored once", () => {
    expect(windowStarts(13, 4)).toEqual([0, 4, 8]);
    expect(windowStarts(12, 4)).toEqual([0, 4]);
    expect(windowStarts(4, 4)).toEqual([]);
    expect(windowStarts(5, 4)).toEqual([0]);
    expect(windowStarts(100, 4, 10)).toEqual([0, 4]);
    const targets = windowStarts(41, 8).flatMap((s) => Array.from({ length: 8 }, (_, t) => s + t + 1));
    expect(targets).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});

describe("evaluate", () => {
  test("matches a brute-force sum over windows, independent of batch size", async () => {
    const V = 11;
    const T = 5;
    const rng = Rng.seeded(3);
    const data = Uint16Array.from({ length: 58 }, () => rng.nextInt(V));
    const model = hashedModel(V, T);
    let nats = 0;
    for (let s = 0; s + T < data.length; s += T) {
      const logits = await model.logits(Int32Array.from(data.subarray(s, s + T)), 1, T);
      for (let t = 0; t < T; t++) nats += crossEntropyRow(logits, t * V, V, data[s + t + 1] as number);
    }
    const expected = nats / 55;
    for (const batchSize of [1, 3, 64]) {
      const r = await evaluate(model, data, { batchSize });
      expect(r.tokens).toBe(55);
      expect(r.windows).toBe(11);
      expect(r.unscored).toBe(2);
      expect(r.loss).toBeCloseTo(expected, 12);
      expect(r.perplexity).toBeCloseTo(Math.exp(expected), 9);
      expect(r.bitsPerByte).toBeNull();
    }
  });

  test("uniform logits: loss ln V, perplexity V, bits per byte from token byte lengths", async () => {
    const V = 16;
    const T = 4;
    const model: BatchLogitsModel = {
      vocabSize: V,
      contextLength: T,
      logits: async (_ids, B, t) => new Float32Array(B * t * V),
    };
    const data = Uint32Array.from({ length: 17 }, (_, i) => i % V);
    const byteLength = (id: number) => 1 + (id % 3);
    const r = await evaluate(model, data, { batchSize: 2, tokenByteLength: byteLength });
    expect(r.loss).toBeCloseTo(Math.log(V), 12);
    expect(r.perplexity).toBeCloseTo(V, 9);
    let bytes = 0;
    for (let i = 1; i < 17; i++) bytes += byteLength(data[i] as number);
    expect(r.bytes).toBe(bytes);
    expect(r.bitsPerByte).toBeCloseTo((16 * Math.log(V)) / Math.LN2 / bytes, 12);
  });

  test("maxTokens limits the scored windows; progress reports every batch", async () => {
    const model = hashedModel(7, 4);
    const progress: number[] = [];
    const r = await evaluate(model, new Uint16Array(100), {
      batchSize: 2,
      maxTokens: 20,
      onProgress: (done) => progress.push(done),
    });
    expect(r.tokens).toBe(20);
    expect(model.calls).toEqual([2, 2, 1]);
    expect(progress).toEqual([8, 16, 20]);
  });

  test("bad data and bad models are refused with a clear message", async () => {
    const model = hashedModel(7, 4);
    await expect(evaluate(model, new Uint16Array(4), { batchSize: 1 })).rejects.toThrow(
      /at least contextLength \+ 1 = 5/,
    );
    await expect(evaluate(model, Uint16Array.from([1, 2, 9, 3, 4, 5]), { batchSize: 1 })).rejects.toThrow(
      /token id 9 at position 2 not in \[0, 7\)/,
    );
    await expect(evaluate(model, new Uint16Array(10), { batchSize: 0 })).rejects.toThrow(/batch size/);
    const broken: BatchLogitsModel = { vocabSize: 3, contextLength: 2, logits: async () => new Float32Array(1) };
    await expect(evaluate(broken, new Uint16Array(5), { batchSize: 1 })).rejects.toThrow(/returned 1 logits/);
  });
});
