// Resource accounting against two independent truths: figures worked out by hand for a small config (the
// arithmetic is in the comments) and CS336's GPT-2 XL, and the real inference graph of several configs (the
// FLOPs of its MatMul nodes with static shapes, by component, and the bytes of its parameter inputs).
import { describe, expect, test } from "bun:test";
import {
  activationRows,
  type Component,
  forwardFlops,
  gpt2Config,
  maxBatchSize,
  parameterGroups,
  trainingMemory,
  trainingSeconds,
  trainStepFlops,
} from "../src/accounting.ts";
import {
  autoDff,
  type ModelConfigInput,
  parameterCount,
  resolveModelConfig,
  trainFlopsPerToken,
} from "../src/config.ts";
import type { Node, Value } from "../src/graph/value.ts";
import { buildInferenceGraph } from "../src/train/inference.ts";

// V 100, T 16, C 32, L 2, H 4 (d_head 8), d_ff 64, SwiGLU, pre-norm, untied head.
const small = resolveModelConfig({ vocabSize: 100, contextLength: 16, dModel: 32, numLayers: 2, numHeads: 4, dFf: 64 });

describe("by hand, small config", () => {
  test("parameters per component", () => {
    const byName = Object.fromEntries(parameterGroups(small).map((g) => [g.name, g]));
    expect(byName["token_embeddings.weight"]).toEqual({
      name: "token_embeddings.weight",
      shape: [100, 32],
      count: 1,
      params: 3200, // 100·32
    });
    expect(byName["layers.*.attn.q_proj.weight"]!.params).toBe(2048); // 32·32 × 2 layers
    expect(byName["layers.*.ffn.w3.weight"]).toMatchObject({ shape: [64, 32], count: 2, params: 4096 }); // 64·32 × 2
    expect(byName["layers.*.ln1.weight"]!.params).toBe(64); // 32 × 2
    expect(byName["ln_final.weight"]!.params).toBe(32);
    expect(byName["lm_head.weight"]!.params).toBe(3200);
    // per block 4·32·32 + 3·64·32 + 2·32 = 4096 + 6144 + 64 = 10304; 3200 + 2·10304 + 32 + 3200 = 27040
    const total = parameterGroups(small).reduce((s, g) => s + g.params, 0);
    expect(total).toBe(27_040);
    expect(total).toBe(parameterCount(small));
  });

  test("forward FLOPs per matmul and component, one sequence of 16", () => {
    const f = forwardFlops(small, 16);
    const q = f.matmuls.find((m) => m.name === "attn.q_proj")!;
    expect(q).toMatchObject({ m: 16, k: 32, n: 32, count: 2, flops: 65_536 }); // 2·16·32·32 × 2 layers
    const qk = f.matmuls.find((m) => m.name.startsWith("attn QKᵀ"))!;
    expect(qk).toMatchObject({ m: 16, k: 8, n: 16, count: 8, flops: 32_768 }); // 2·16·8·16 × 2 layers·4 heads
    expect(f.byComponent).toEqual({
      "attention projections": 262_144, // 4 × 65536
      "attention scores": 65_536, // QKᵀ 32768 + AV 32768
      "feed-forward": 393_216, // 3 × 2·16·32·64 × 2
      "lm head": 102_400, // 2·16·32·100
    });
    expect(f.total).toBe(823_296);
    // 3 × forward = 6 per matmul parameter per token + 12·L·T·C per token: 6·23680·16 + 12·2·16·32·16
    expect(trainStepFlops(small, 16, 1).total).toBe(2_469_888);
    expect(trainStepFlops(small, 16, 5)).toEqual({ forward: 5 * 823_296, backward: 10 * 823_296, total: 15 * 823_296 });
    expect(trainStepFlops(small, 16, 1).total).toBe(16 * trainFlopsPerToken(small, 16));
  });

  test("memory at batch 2, the batch a budget holds, and the time for a token budget", () => {
    const rows = Object.fromEntries(activationRows(small, 2, 16).map((r) => [r.name, r.elements]));
    // B·T = 32 tokens: norms 2·2·32·32, QKV 2·3·32·32, scores/softmax 2 layers · 2·4·16·16 each
    expect(rows["RMSNorms (2 per block)"]).toBe(4096);
    expect(rows["Q, K, V projections"]).toBe(6144);
    expect(rows["QKᵀ scores"]).toBe(4096);
    expect(rows.softmax).toBe(4096);
    expect(rows.W3).toBe(4096); // 2 · 32·64
    expect(rows["output embedding (logits)"]).toBe(3200); // 32·100
    const mem = trainingMemory(small, 2, 16);
    // activations 44288 elements (4096+6144+4096+4096+2048+2048+3·4096+2048+1024+2·3200) · 4 bytes
    expect(mem).toEqual({
      params: 108_160, // 27040 · 4
      grads: 108_160,
      adamw: 216_320,
      activations: 177_152,
      total: 609_792,
    });
    // (1e6 - 4·108160) / (177152 / 2) = 567360 / 88576 = 6.4
    expect(maxBatchSize(small, 1e6, 16)).toBe(6);
    expect(maxBatchSize(small, 400_000, 16)).toBe(0);
    // 3 · 823296 · (1e6 / 16) FLOPs at half of 1 TFLOP/s
    expect(trainingSeconds(small, 1e6, 16, { peakFlops: 1e12, mfu: 0.5 })).toBeCloseTo(0.308736, 9);
  });

  test("the SiLU ablation without W3 and with tied embeddings", () => {
    const c = resolveModelConfig({ ...small, ffn: "silu", tiedEmbeddings: true, norm: "none" });
    expect(forwardFlops(c, 16).byComponent["feed-forward"]).toBe(262_144); // 2 matrices
    expect(parameterCount(c)).toBe(3200 + 2 * (4096 + 4096)); // no lm_head, no norms
    expect(activationRows(c, 1, 16).map((r) => r.name)).not.toContain("W3");
  });

  test("dFf auto: 8/3·d_model to a multiple of 64 for SwiGLU; 3/2 of it for SiLU, equal parameters", () => {
    expect(autoDff(512, "swiglu")).toBe(1344); // 1365.3 → 21·64
    expect(autoDff(512, "silu")).toBe(2016);
    expect(autoDff(768, "swiglu")).toBe(2048);
    const base: ModelConfigInput = { ...small, dModel: 512, numHeads: 8, dFf: "auto" };
    const swiglu = resolveModelConfig(base);
    const silu = resolveModelConfig({ ...base, ffn: "silu" });
    expect([swiglu.dFf, silu.dFf]).toEqual([1344, 2016]);
    expect(parameterCount(silu)).toBe(parameterCount(swiglu));
    expect(() => resolveModelConfig({ ...small, dFf: "big" as never })).toThrow(
      /dFf must be a positive integer or "auto"/,
    );
  });
});

describe("CS336's GPT-2 XL", () => {
  test("2,127,057,600 parameters and 4.51 TFLOPs for one 1,024-token forward", () => {
    const xl = gpt2Config("gpt2-xl");
    // 50257·1600 ·2 (embedding, head) + 48 · (4·1600² + 3·1600·6400 + 2·1600) + 1600
    expect(parameterCount(xl)).toBe(2_127_057_600);
    const f = forwardFlops(xl, 1024);
    expect(f.byComponent).toEqual({
      "attention projections": 1_006_632_960_000, // 4 · 2·1024·1600² · 48
      "attention scores": 322_122_547_200, // 2 · 2·1024²·1600 · 48
      "feed-forward": 3_019_898_880_000, // 3 · 2·1024·1600·6400 · 48
      "lm head": 164_682_137_600, // 2·1024·1600·50257
    });
    expect(f.total).toBe(4_513_336_524_800);
    expect(() => gpt2Config("gpt2-huge")).toThrow(/known: gpt2-small, gpt2-medium, gpt2-large, gpt2-xl/);
  });
});

/** Graph inputs (parameters) a value is computed from through layout ops only; [] for activations. */
function weightsOf(v: Value): string[] {
  const n = v.producer;
  if (!n) return [v.name];
  if (n.opType !== "Transpose" && n.opType !== "Concat") return [];
  return n.inputs.flatMap((i) => (i ? weightsOf(i) : []));
}

function componentOf(n: Node): Component {
  const w = weightsOf(n.inputs[1]!);
  if (w.length === 0) return "attention scores";
  if (w.every((x) => x.includes(".attn."))) return "attention projections";
  if (w.every((x) => x.includes(".ffn."))) return "feed-forward";
  return "lm head";
}

describe("against the real inference graph", () => {
  const configs: [string, ModelConfigInput][] = [
    ["small", small],
    ["silu, tied, no norms", { ...small, ffn: "silu", tiedEmbeddings: true, norm: "none" }],
    ["NoPE, 3 layers, 8 heads", { ...small, positional: "none", numLayers: 3, numHeads: 8, dFf: 96 }],
  ];
  for (const [label, input] of configs) {
    test(`${label}: MatMul FLOPs by component and parameter bytes`, () => {
      const c = resolveModelConfig(input);
      for (const [batch, seqLen] of [
        [1, 16],
        [3, 8],
      ] as const) {
        const g = buildInferenceGraph(c, { batch, seqLen });
        const found: Record<string, number> = {};
        let matmuls = 0;
        for (const n of g.nodes) {
          if (n.opType !== "MatMul") continue;
          const [a, out] = [n.inputs[0]!.shape as number[], n.outputs[0]!.shape as number[]];
          expect(out.every((d) => typeof d === "number")).toBe(true);
          const lead = out.slice(0, -2).reduce((p, d) => p * d, 1);
          const flops = 2 * lead * out.at(-2)! * a.at(-1)! * out.at(-1)!;
          found[componentOf(n)] = (found[componentOf(n)] ?? 0) + flops;
          matmuls++;
        }
        expect(matmuls).toBeGreaterThan(c.numLayers * 4); // fused QKV and W1|W3 still count once each
        const want = forwardFlops(c, seqLen);
        const scaled = Object.fromEntries(Object.entries(want.byComponent).map(([k, v]) => [k, batch * v]));
        expect(found).toEqual(scaled);
        const paramBytes = g.inputs
          .filter((v) => v.dtype === "float32")
          .reduce((s, v) => s + 4 * (v.shape as number[]).reduce((p, d) => p * d, 1), 0);
        expect(paramBytes).toBe(trainingMemory(c, batch, seqLen).params);
      }
    });
  }
});
