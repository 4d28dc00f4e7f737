// The KV-cache inference graph against the full-logits one: after a prefill of any length and any number of
// one-token steps, the last position's logits equal the uncached logits at that position (float32 tolerance),
// for every ablation and for a batch; the graph's inputs and outputs; a cache passed in is never changed; and
// the host checks (context length, ids, batch).
import { describe, expect, test } from "bun:test";
import { type ModelConfigInput, resolveModelConfig } from "../src/config.ts";
import { initParameters } from "../src/init.ts";
import { emitModel, summarizeModel } from "../src/onnx/emit.ts";
import { Rng } from "../src/random.ts";
import { buildCachedInferenceGraph, createCachedInference, type KvCache } from "../src/train/cached-inference.ts";
import { createInference } from "../src/train/inference.ts";
import { ARCHITECTURE_VARIANTS } from "./support/architecture-variants.ts";

const base: ModelConfigInput = { vocabSize: 13, contextLength: 8, dModel: 8, numLayers: 2, numHeads: 2, dFf: 12 };
const TOLERANCE = 1e-5;

/** max |a - b| over row `row` of `full` (rows of V) against `got`. */
function diffAt(full: Float32Array, row: number, got: Float32Array, V: number): number {
  let m = 0;
  for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(got[v]! - full[row * V + v]!));
  return m;
}

describe("cached decoding equals the full graph", () => {
  for (const [name, opts] of ARCHITECTURE_VARIANTS) {
    test(`${name}: every prefill length, then one token per step up to the context length`, async () => {
      const config = resolveModelConfig({ ...base, ...opts });
      const weights = initParameters(config, Rng.seeded(name.length));
      const rng = Rng.seeded(7);
      const T = config.contextLength;
      const ids = Int32Array.from({ length: T }, () => rng.nextInt(config.vocabSize));
      const full = await createInference(config, weights);
      const kv = await createCachedInference(config, weights);
      try {
        const ref = await full.logits(ids, [1, T]);
        let worst = 0;
        for (let prefill = 1; prefill <= T; prefill++) {
          let { logits, cache } = await kv.extend(ids.subarray(0, prefill), kv.emptyCache(1));
          worst = Math.max(worst, diffAt(ref, prefill - 1, logits, config.vocabSize));
          for (let p = prefill; p < T; p++) {
            ({ logits, cache } = await kv.extend(ids.subarray(p, p + 1), cache));
            expect(cache.length).toBe(p + 1);
            worst = Math.max(worst, diffAt(ref, p, logits, config.vocabSize));
          }
        }
        expect(worst).toBeLessThan(TOLERANCE);
      } finally {
        await full.release();
        await kv.release();
      }
    });
  }

  test("a batch of two rows, and several tokens after a cache (a chunked prefill)", async () => {
    const config = resolveModelConfig(base);
    const weights = initParameters(config, Rng.seeded(3));
    const rng = Rng.seeded(5);
    const ids = Int32Array.from({ length: 2 * 8 }, () => rng.nextInt(config.vocabSize));
    const full = await createInference(config, weights);
    const kv = await createCachedInference(config, weights);
    try {
      const ref = await full.logits(ids, [2, 8]);
      const rows = (from: number, to: number) =>
        Int32Array.from([...ids.subarray(from, to), ...ids.subarray(8 + from, 8 + to)]);
      const first = await kv.extend(rows(0, 3), kv.emptyCache(2));
      const second = await kv.extend(rows(3, 8), first.cache); // 5 new tokens after 3 cached
      expect(second.cache.layers[1]!.keys.shape).toEqual([2, 2, 8, 4]);
      const V = config.vocabSize;
      for (const [r, logits, pos] of [
        [0, first.logits, 2],
        [1, first.logits, 2],
        [0, second.logits, 7],
        [1, second.logits, 7],
      ] as const) {
        expect(diffAt(ref, r * 8 + pos, logits.subarray(r * V, (r + 1) * V), V)).toBeLessThan(TOLERANCE);
      }
    } finally {
      await full.release();
      await kv.release();
    }
  });
});

describe("cached inference graph and runner", () => {
  const config = resolveModelConfig(base);
  const weights = initParameters(config, Rng.seeded(9));

  test("inputs: tokens, positions, past keys/values per layer; outputs: last logits and the grown caches", () => {
    const s = summarizeModel(emitModel(buildCachedInferenceGraph(config)));
    const io = (xs: { name: string; shape: unknown }[]) => xs.filter((x) => !x.name.includes("weight"));
    expect(io(s.inputs)).toEqual([
      { name: "tokens", dtype: "int32", shape: ["B", "S"] },
      { name: "positions", dtype: "int64", shape: ["S"] },
      { name: "past.0.keys", dtype: "float32", shape: ["B", 2, "P", 4] },
      { name: "past.0.values", dtype: "float32", shape: ["B", 2, "P", 4] },
      { name: "past.1.keys", dtype: "float32", shape: ["B", 2, "P", 4] },
      { name: "past.1.values", dtype: "float32", shape: ["B", 2, "P", 4] },
    ] as never);
    expect(s.outputs.map((o) => o.name)).toEqual([
      "logits",
      "present.0.keys",
      "present.0.values",
      "present.1.keys",
      "present.1.values",
    ]);
    expect(s.outputs[0]!.shape).toEqual(["B", 13]);
    const nope = summarizeModel(
      emitModel(buildCachedInferenceGraph(resolveModelConfig({ ...base, positional: "none" }))),
    );
    expect(nope.inputs.map((i) => i.name)).not.toContain("positions");
  });

  test("extending a cache leaves it unchanged, so one prefix can be continued twice", async () => {
    const kv = await createCachedInference(config, weights);
    try {
      const { cache } = await kv.extend(Int32Array.from([1, 2, 3]), kv.emptyCache(1));
      const copy = (c: KvCache) =>
        c.layers.map((l) => [[...(l.keys.data as Float32Array)], [...(l.values.data as Float32Array)]]);
      const before = copy(cache);
      const a = await kv.extend(Int32Array.of(4), cache);
      const b = await kv.extend(Int32Array.of(5), cache);
      const again = await kv.extend(Int32Array.of(4), cache);
      expect(copy(cache)).toEqual(before);
      expect(cache.length).toBe(3);
      expect(again.logits).toEqual(a.logits);
      expect(b.logits).not.toEqual(a.logits);
    } finally {
      await kv.release();
    }
  });

  test("the context length, ids and batch are checked before running", async () => {
    const kv = await createCachedInference(config, weights);
    try {
      const { cache } = await kv.extend(new Int32Array(8), kv.emptyCache(1));
      await expect(kv.extend(Int32Array.of(1), cache)).rejects.toThrow(
        /8 cached \+ 1 new tokens exceed the context length 8; prefill the last 8 tokens/,
      );
      await expect(kv.extend(new Int32Array(9), kv.emptyCache(1))).rejects.toThrow(/exceed.* context length 8/);
      await expect(kv.extend(Int32Array.of(13), kv.emptyCache(1))).rejects.toThrow(
        /token id 13 at index 0 not in \[0, 13\)/,
      );
      await expect(kv.extend(Int32Array.of(1, 2, 3), kv.emptyCache(2))).rejects.toThrow(
        /3 ids do not split into 2 rows/,
      );
      expect(() => kv.emptyCache(0)).toThrow(/batch must be >= 1/);
    } finally {
      await kv.release();
    }
  });
});
