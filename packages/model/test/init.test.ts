// CS336 initialization (handout §3.4.1, src/init.ts): every parameter gets its spec's shape, norm gains are
// one, Linear and Embedding weights have the truncated normal's std (0.9866σ) and never pass ±3σ, and a seed
// determines the whole model. Statistics are checked on a 64-wide model, tolerances a few percent.
import { describe, expect, test } from "bun:test";
import { parameterSpecs, resolveModelConfig } from "../src/config.ts";
import { initParameters } from "../src/init.ts";
import { Rng } from "../src/random.ts";

const config = resolveModelConfig({ vocabSize: 300, contextLength: 8, dModel: 64, numLayers: 1, numHeads: 4, dFf: 96 });

function stats(a: Float32Array) {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  for (const x of a) {
    s += x;
    s2 += x * x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  return { mean: s / a.length, std: Math.sqrt(s2 / a.length - (s / a.length) ** 2), maxAbs };
}

describe("initParameters", () => {
  test("every spec gets a tensor of its shape", () => {
    const p = initParameters(config, Rng.seeded(0));
    for (const s of parameterSpecs(config)) {
      expect(p[s.name]!.shape).toEqual(s.shape);
      expect(p[s.name]!.data.length).toBe(s.shape.reduce((a, b) => a * b, 1));
    }
  });

  test("norm gains are one; linear and embedding are truncated normals of CS336's std", () => {
    const p = initParameters(config, Rng.seeded(0));
    expect([...p["layers.0.ln1.weight"]!.data].every((x) => x === 1)).toBe(true);
    const w1 = stats(p["layers.0.ffn.w1.weight"]!.data);
    const std = Math.sqrt(2 / (64 + 96));
    // A normal truncated at ±3σ has std 0.9866σ.
    expect(Math.abs(w1.std / (0.9866 * std) - 1)).toBeLessThan(0.05);
    expect(w1.maxAbs).toBeLessThanOrEqual(3 * std + 1e-7);
    const emb = stats(p["token_embeddings.weight"]!.data);
    expect(Math.abs(emb.std - 0.9866)).toBeLessThan(0.03);
    expect(emb.maxAbs).toBeLessThanOrEqual(3);
    expect(Math.abs(emb.mean)).toBeLessThan(0.03);
  });

  test("a seed determines the model", () => {
    const a = initParameters(config, Rng.seeded(5));
    const b = initParameters(config, Rng.seeded(5));
    const c = initParameters(config, Rng.seeded(6));
    expect(b["lm_head.weight"]!.data).toEqual(a["lm_head.weight"]!.data);
    expect(c["lm_head.weight"]!.data).not.toEqual(a["lm_head.weight"]!.data);
  });
});
