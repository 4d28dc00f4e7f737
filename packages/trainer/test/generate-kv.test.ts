// Generation through the KV-cache session against the uncached one on a tiny random model: the same tokens for
// the same seed and sampling settings (greedy, temperature with top-p, top-k), for prompts shorter than, equal
// to and longer than the context length, running long enough that the window slides; and the cached session's
// lastLogits and full logits agree with the uncached session's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { initParameters, type ModelConfig, type ParamMap, resolveModelConfig, Rng } from "@cs336-ts/model";
import { createInferenceModel, type InferenceModel } from "../src/inference/from-checkpoint.ts";
import { generate } from "../src/inference/generate.ts";

const config: ModelConfig = resolveModelConfig({
  vocabSize: 29,
  contextLength: 8,
  dModel: 16,
  numLayers: 2,
  numHeads: 2,
  dFf: 24,
});
const T = config.contextLength;

/** Weights scaled up so the logits are peaked (random init gives near-uniform ones, where greedy means little). */
function sharpWeights(seed: number): ParamMap {
  const w = initParameters(config, Rng.seeded(seed));
  for (const [name, t] of Object.entries(w)) {
    if (t.shape.length !== 2) continue;
    const scale = name.includes("lm_head") ? 6 : 2;
    for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! * scale;
  }
  return w;
}

let cached: InferenceModel;
let plain: InferenceModel;
beforeAll(async () => {
  const weights = sharpWeights(1);
  cached = await createInferenceModel(config, weights, { threads: 1 });
  plain = await createInferenceModel(config, weights, { threads: 1, kvCache: false });
});
afterAll(async () => {
  await cached.release();
  await plain.release();
});

describe("cached and uncached generation", () => {
  test("only the cached session offers incremental decoding", () => {
    expect(cached.cachedContext).toBeFunction();
    expect(plain.cachedContext).toBeUndefined();
  });

  const settings = [
    ["greedy", { temperature: 0, topP: 1 }],
    ["temperature 1, top-p 0.9", { temperature: 1, topP: 0.9 }],
    ["temperature 0.7, top-k 5", { temperature: 0.7, topP: 1, topK: 5 }],
  ] as const;
  for (const [name, sampling] of settings) {
    test(`${name}: the same tokens for prompts of 1, 3, T-1, T and T+5 ids, past the context length`, async () => {
      const rng = Rng.seeded(name.length);
      for (const promptLength of [1, 3, T - 1, T, T + 5]) {
        const prompt = Array.from({ length: promptLength }, () => rng.nextInt(config.vocabSize));
        for (const seed of [0, 1]) {
          const opts = { ...sampling, maxTokens: 2 * T + 3, endOfText: null };
          const a = await generate(plain, prompt, { ...opts, rng: Rng.seeded(seed) });
          const b = await generate(cached, prompt, { ...opts, rng: Rng.seeded(seed) });
          expect([promptLength, seed, b.ids]).toEqual([promptLength, seed, a.ids]);
          expect(a.ids.length).toBe(2 * T + 3);
        }
      }
    });
  }

  test("the sampled ids are not all one id (the comparison has something to compare)", async () => {
    const r = await generate(cached, [1, 2], {
      temperature: 1,
      topP: 1,
      maxTokens: 20,
      endOfText: null,
      rng: Rng.seeded(3),
    });
    expect(new Set(r.ids).size).toBeGreaterThan(3);
  });

  test("lastLogits and the full logits agree between the sessions", async () => {
    const rng = Rng.seeded(4);
    const ids = Int32Array.from({ length: 2 * T }, () => rng.nextInt(config.vocabSize));
    const worst = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    for (const n of [1, 5, T]) {
      const context = ids.subarray(0, n);
      expect(worst(await cached.lastLogits(context), await plain.lastLogits(context))).toBeLessThan(1e-5);
    }
    expect(worst(await cached.logits(ids, 2, T), await plain.logits(ids, 2, T))).toBe(0);
  });
});
