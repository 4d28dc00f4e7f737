// The model config (src/config.ts): defaults equal CS336's TinyStories model; bad fields (divisibility, odd RoPE
// head size, non-integers, unknown names, bad choices) are rejected with messages naming the fix; parameter
// names and shapes are CS336's; parameter and FLOP counts against hand-computed formulas.
import { describe, expect, test } from "bun:test";
import { ConfigError, parameterCount, parameterSpecs, resolveModelConfig, trainFlopsPerToken } from "../src/config.ts";

describe("resolveModelConfig", () => {
  test("defaults are CS336's TinyStories model", () => {
    const c = resolveModelConfig();
    expect(c).toMatchObject({ vocabSize: 10000, contextLength: 256, dModel: 512, numLayers: 4, numHeads: 16 });
    expect(c).toMatchObject({ dFf: 1344, ropeTheta: 10000, norm: "pre", positional: "rope", ffn: "swiglu" });
    expect(c.tiedEmbeddings).toBe(false);
    expect(c.eps).toBe(1e-5);
  });

  test("dModel not divisible by numHeads is rejected with a suggestion", () => {
    expect(() => resolveModelConfig({ dModel: 30, numHeads: 4 })).toThrow(ConfigError);
    expect(() => resolveModelConfig({ dModel: 30, numHeads: 4 })).toThrow(/divisible by numHeads.*e\.g\./);
  });

  test("odd head size is rejected with RoPE but allowed with NoPE", () => {
    expect(() => resolveModelConfig({ dModel: 12, numHeads: 4 })).toThrow(/must be even/);
    expect(resolveModelConfig({ dModel: 12, numHeads: 4, positional: "none" }).dModel).toBe(12);
  });

  test("non-integers, unknown fields and bad choices are rejected", () => {
    expect(() => resolveModelConfig({ numLayers: 0 })).toThrow(/numLayers must be a positive integer/);
    expect(() => resolveModelConfig({ dFf: 2.5 })).toThrow(/dFf/);
    expect(() => resolveModelConfig({ norm: "layer" as "pre" })).toThrow(/norm must be one of/);
    expect(() => resolveModelConfig({ dmodel: 3 } as never)).toThrow(/unknown model config field "dmodel"/);
    expect(() => resolveModelConfig({ ropeTheta: -1 })).toThrow(/ropeTheta/);
  });
});

describe("parameterSpecs", () => {
  test("CS336 names and shapes", () => {
    const c = resolveModelConfig({ vocabSize: 11, contextLength: 8, dModel: 6, numLayers: 2, numHeads: 3, dFf: 5 });
    const specs = new Map(parameterSpecs(c).map((s) => [s.name, s.shape]));
    expect(specs.get("token_embeddings.weight")).toEqual([11, 6]);
    expect(specs.get("layers.1.attn.output_proj.weight")).toEqual([6, 6]);
    expect(specs.get("layers.0.ffn.w1.weight")).toEqual([5, 6]);
    expect(specs.get("layers.0.ffn.w2.weight")).toEqual([6, 5]);
    expect(specs.get("layers.0.ffn.w3.weight")).toEqual([5, 6]);
    expect(specs.get("layers.1.ln2.weight")).toEqual([6]);
    expect(specs.get("ln_final.weight")).toEqual([6]);
    expect(specs.get("lm_head.weight")).toEqual([11, 6]);
    expect(specs.size).toBe(1 + 2 * 9 + 2);
    // 11*6 embedding + 2 layers*(4*36 + 3*30 + 2*6) + 6 + 66 head
    expect(parameterCount(c)).toBe(66 + 2 * (144 + 90 + 12) + 6 + 66);
  });

  test("ablations drop the parameters they remove", () => {
    const base = { vocabSize: 11, contextLength: 8, dModel: 6, numLayers: 1, numHeads: 3, dFf: 5 };
    const names = (o: object) => parameterSpecs(resolveModelConfig({ ...base, ...o })).map((s) => s.name);
    expect(names({ norm: "none" }).some((n) => n.includes("ln"))).toBe(false);
    expect(names({ ffn: "silu" })).not.toContain("layers.0.ffn.w3.weight");
    expect(names({ tiedEmbeddings: true })).not.toContain("lm_head.weight");
    expect(names({ norm: "post" })).toEqual(names({}));
  });

  test("TinyStories model: 22.7M parameters (embedding and head 10.2M of them)", () => {
    const c = resolveModelConfig();
    const n = parameterCount(c);
    expect(n).toBe(10000 * 512 * 2 + 4 * (4 * 512 * 512 + 3 * 512 * 1344 + 2 * 512) + 512);
  });

  test("training FLOPs per token: 6 per matmul parameter plus 12·L·T·C for attention", () => {
    const c = resolveModelConfig();
    const matmul = 4 * (4 * 512 * 512 + 3 * 512 * 1344) + 10000 * 512;
    expect(trainFlopsPerToken(c, 256)).toBe(6 * matmul + 12 * 4 * 256 * 512);
    // Tied: the embedding doubles as the head, so its matmul parameters stay counted once.
    expect(trainFlopsPerToken(resolveModelConfig({ tiedEmbeddings: true }), 256)).toBe(6 * matmul + 12 * 4 * 256 * 512);
  });
});
