// The model-lm adapters against the PyTorch float64 reference (tests/fixtures/reference): every part, the full
// LM's logits, loss and all gradients, AdamW, clipping and CS336's cosine schedule, each as the relative error
// of the whole tensor, ||a − b|| / ||b||, under 1e-4 (the 1000-step AdamW problem runs in-graph in
// packages/model/test/optim-graph.test.ts). Also: a config with extra fields is accepted, and bad input (ids,
// positions, lengths, head counts, schedule arguments) is refused before anything runs, naming the fix.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { SafeTensor } from "@cs336-ts/model";
import {
  type IntTensor,
  type ModelConfig,
  runAdamw,
  runGetLrCosineSchedule,
  runGradientClipping,
  runLmLossAndGradients,
  runMultiheadSelfAttention,
  runRmsnorm,
  runRope,
  runScaledDotProductAttention,
  runSwiglu,
  runTransformerBlock,
  runTransformerLm,
  type Tensor,
  type Weights,
} from "./adapters.ts";
import { loadReference, REFERENCE_DIR, referenceValues, relErr } from "@cs336-ts/testkit";

const [model, fb, comp, optim] = (await Promise.all(
  ["model", "forward_backward", "components", "optim"].map(loadReference),
)) as [Map<string, SafeTensor>, Map<string, SafeTensor>, Map<string, SafeTensor>, Map<string, SafeTensor>];
const cfgJson = await Bun.file(join(REFERENCE_DIR, "config.json")).json();
const config: ModelConfig = {
  vocabSize: cfgJson.vocab_size,
  contextLength: cfgJson.context_length,
  dModel: cfgJson.d_model,
  numLayers: cfgJson.num_layers,
  numHeads: cfgJson.num_heads,
  dFf: cfgJson.d_ff,
  ropeTheta: cfgJson.rope_theta,
};

function from(file: Map<string, SafeTensor>, name: string): Tensor {
  return { data: referenceValues(file, name), shape: [...file.get(name)!.shape] };
}
const ints = (file: Map<string, SafeTensor>, name: string): IntTensor => {
  const t = from(file, name);
  return { data: Int32Array.from(t.data), shape: t.shape };
};
const weights: Weights = Object.fromEntries([...model.keys()].map((k) => [k, from(model, k)]));
const w = (name: string) => weights[name]!;
const arange = (n: number): IntTensor => ({ data: Int32Array.from({ length: n }, (_, i) => i), shape: [n] });

function expectClose(got: Tensor, want: Tensor, tol = 1e-4) {
  expect(got.shape).toEqual(want.shape);
  expect(relErr(got.data, want.data)).toBeLessThan(tol);
}

const x = from(comp, "x");
const [B, T] = x.shape as [number, number];

describe("model parts vs reference", () => {
  test("rmsnorm", async () => expectClose(await runRmsnorm(w("layers.0.ln1.weight"), x), from(comp, "rmsnorm")));

  test("swiglu", async () => {
    const got = await runSwiglu(
      w("layers.0.ffn.w1.weight"),
      w("layers.0.ffn.w2.weight"),
      w("layers.0.ffn.w3.weight"),
      x,
    );
    expectClose(got, from(comp, "swiglu"));
  });

  test("rope (interleaved pairs)", async () => {
    const rx = from(comp, "rope.x");
    const dHead = rx.shape[3]!;
    expectClose(await runRope(dHead, config.ropeTheta, config.contextLength, rx, arange(T)), from(comp, "rope"));
  });

  test("scaled dot-product attention with a causal mask", async () => {
    const mask = new Uint8Array(T * T);
    for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) mask[i * T + j] = 1;
    const got = await runScaledDotProductAttention(from(comp, "sdpa.q"), from(comp, "sdpa.k"), from(comp, "sdpa.v"), {
      data: mask,
      shape: [T, T],
    });
    expectClose(got, from(comp, "sdpa.causal"));
  });

  const attnW = () => ({
    q: w("layers.0.attn.q_proj.weight"),
    k: w("layers.0.attn.k_proj.weight"),
    v: w("layers.0.attn.v_proj.weight"),
    o: w("layers.0.attn.output_proj.weight"),
  });

  test("multi-head self-attention with RoPE", async () => {
    const rope = { theta: config.ropeTheta, maxSeqLen: config.contextLength, positions: arange(T) };
    expectClose(
      await runMultiheadSelfAttention(config.dModel, config.numHeads, attnW(), x, rope),
      from(comp, "mha_rope"),
    );
  });

  test("multi-head self-attention without RoPE; per-batch positions give the same as shared ones", async () => {
    expectClose(await runMultiheadSelfAttention(config.dModel, config.numHeads, attnW(), x), from(comp, "mha_norope"));
    const pos: IntTensor = { data: Int32Array.from({ length: B * T }, (_, i) => i % T), shape: [B, T] };
    const rope = { theta: config.ropeTheta, maxSeqLen: config.contextLength, positions: pos };
    expectClose(
      await runMultiheadSelfAttention(config.dModel, config.numHeads, attnW(), x, rope),
      from(comp, "mha_rope"),
    );
  });

  test("transformer block 0", async () => {
    expectClose(await runTransformerBlock(config, weights, 0, x), from(comp, "block0"));
  });
});

describe("full LM vs reference", () => {
  test("logits", async () => {
    expectClose(await runTransformerLm(config, weights, ints(fb, "tokens")), from(fb, "logits"));
  });

  test("loss and every parameter's gradient", async () => {
    const r = await runLmLossAndGradients(config, weights, ints(fb, "tokens"), ints(fb, "targets"));
    expect(Math.abs(r.loss - from(fb, "loss").data[0]!)).toBeLessThan(1e-4 * Math.abs(from(fb, "loss").data[0]!));
    expect(Object.keys(r.grads).sort()).toEqual([...model.keys()].sort());
    for (const name of model.keys()) expectClose(r.grads[name]!, from(fb, `grad.${name}`));
  });
});

test("a config object with fields beyond ADAPTERS.md's seven is accepted (extras ignored)", async () => {
  const superset = { ...config, batchSize: 4, name: "reference", ropeScaling: null };
  expectClose(await runTransformerBlock(superset, weights, 0, x), from(comp, "block0"));
  expectClose(await runTransformerLm(superset, weights, ints(fb, "tokens")), from(fb, "logits"));
  const r = await runLmLossAndGradients(superset, weights, ints(fb, "tokens"), ints(fb, "targets"));
  expect(Math.abs(r.loss - from(fb, "loss").data[0]!)).toBeLessThan(1e-4 * Math.abs(from(fb, "loss").data[0]!));
});

describe("optimization vs reference", () => {
  test("AdamW: two tensors, five steps, per-step learning rates", async () => {
    const p0 = [from(optim, "multi.p0.0"), from(optim, "multi.p0.1")];
    const grads = [0, 1, 2, 3, 4].map((s) => [from(optim, `multi.grad.${s}.0`), from(optim, `multi.grad.${s}.1`)]);
    const lrs = Array.from(from(optim, "multi.lrs").data);
    const got = await runAdamw(p0, grads, lrs, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
    expect(got.length).toBe(5);
    for (let s = 0; s < 5; s++) for (let i = 0; i < 2; i++) expectClose(got[s]![i]!, from(optim, `multi.p.${s}.${i}`));
  });

  test("gradient clipping to 0.01 and to 1e6", async () => {
    const grads = [0, 1, 2, 3, 4].map((i) => from(optim, `clip.grad.${i}`));
    const small = await runGradientClipping(grads, 0.01);
    const big = await runGradientClipping(grads, 1e6);
    for (let i = 0; i < 5; i++) {
      expectClose(small[i]!, from(optim, `clip.0.01.${i}`));
      expectClose(big[i]!, from(optim, `clip.1e+06.${i}`), 1e-7);
    }
  });

  test("CS336 cosine schedule", () => {
    const want = [
      0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143,
      0.8571428571428571, 1.0, 0.9887175604818206, 0.9554359905560885, 0.9018241671106134, 0.8305704108364301,
      0.7452476826029011, 0.6501344202803414, 0.55, 0.44986557971965857, 0.3547523173970989, 0.26942958916356996,
      0.19817583288938662, 0.14456400944391146, 0.11128243951817937, 0.1, 0.1, 0.1, 0.1,
    ];
    for (const [it, lr] of want.entries()) expect(runGetLrCosineSchedule(it, 1, 0.1, 7, 21)).toBeCloseTo(lr, 12);
  });
});

describe("bad input is rejected before anything runs, with a message naming the fix", () => {
  test("LM loss: a target outside [0, vocabSize)", async () => {
    const targets = ints(fb, "targets");
    targets.data[3] = config.vocabSize;
    await expect(runLmLossAndGradients(config, weights, ints(fb, "tokens"), targets)).rejects.toThrow(
      new RegExp(`targets: token id ${config.vocabSize} at index 3 not in \\[0, ${config.vocabSize}\\)`),
    );
  });

  test("transformer block: a sequence longer than the context length", async () => {
    const long = config.contextLength + 1;
    const xl: Tensor = { data: new Float32Array(long * config.dModel), shape: [1, long, config.dModel] };
    await expect(runTransformerBlock(config, weights, 0, xl)).rejects.toThrow(
      new RegExp(`sequence length ${long} exceeds the context length ${config.contextLength}`),
    );
  });

  test("multi-head attention: dModel not divisible by numHeads (was 'RoPE needs an even head size, got 10.67')", async () => {
    const rope = { theta: config.ropeTheta, maxSeqLen: config.contextLength, positions: arange(T) };
    const attn = { q: w("layers.0.attn.q_proj.weight"), k: w("layers.0.attn.k_proj.weight") };
    const wts = { ...attn, v: w("layers.0.attn.v_proj.weight"), o: w("layers.0.attn.output_proj.weight") };
    await expect(runMultiheadSelfAttention(config.dModel, 3, wts, x, rope)).rejects.toThrow(
      new RegExp(`dModel \\(${config.dModel}\\) must be divisible by numHeads \\(3\\)`),
    );
  });

  test("rope and multi-head attention: a position at or past maxSeqLen", async () => {
    const rx = from(comp, "rope.x");
    const far: IntTensor = { data: Int32Array.from({ length: T }, (_, i) => i + config.contextLength - 1), shape: [T] };
    const msg = new RegExp(`position ${config.contextLength} at index 1 not in \\[0, ${config.contextLength}\\)`);
    await expect(runRope(rx.shape[3]!, config.ropeTheta, config.contextLength, rx, far)).rejects.toThrow(msg);
    const wts = {
      q: w("layers.0.attn.q_proj.weight"),
      k: w("layers.0.attn.k_proj.weight"),
      v: w("layers.0.attn.v_proj.weight"),
      o: w("layers.0.attn.output_proj.weight"),
    };
    const rope = { theta: config.ropeTheta, maxSeqLen: config.contextLength, positions: far };
    await expect(runMultiheadSelfAttention(config.dModel, config.numHeads, wts, x, rope)).rejects.toThrow(msg);
  });

  test("LM logits: one sequence (T) gives (T, V), equal to its row of the batch; rank 3 is refused", async () => {
    const tokens = ints(fb, "tokens");
    const [, t] = tokens.shape as [number, number];
    const one = await runTransformerLm(config, weights, { data: tokens.data.slice(0, t), shape: [t] });
    const want = from(fb, "logits");
    expectClose(one, { data: want.data.slice(0, t * config.vocabSize), shape: [t, config.vocabSize] });
    await expect(runTransformerLm(config, weights, { data: tokens.data, shape: [1, ...tokens.shape] })).rejects.toThrow(
      /tokens must have shape \(T\) or \(B, T\)/,
    );
  });

  test("transformer block: a layer index outside [0, numLayers), x of the wrong width", async () => {
    await expect(runTransformerBlock(config, weights, config.numLayers, x)).rejects.toThrow(
      new RegExp(`layer must be an integer in \\[0, ${config.numLayers}\\)`),
    );
    const narrow: Tensor = { data: new Float32Array(B * T * 2), shape: [B, T, 2] };
    await expect(runTransformerBlock(config, weights, 0, narrow)).rejects.toThrow(/x must have shape \(B, T, dModel/);
  });

  test("cosine schedule: cycle == warmup gives the maximum at it == warmup (was NaN); bad arguments throw", () => {
    expect(runGetLrCosineSchedule(5, 1, 0.1, 5, 5)).toBe(1);
    expect(runGetLrCosineSchedule(6, 1, 0.1, 5, 5)).toBe(0.1);
    expect(() => runGetLrCosineSchedule(-1, 1, 0.1, 7, 21)).toThrow(/iteration must be an integer >= 0/);
    expect(() => runGetLrCosineSchedule(3, 1, 0.1, 7, 6)).toThrow(/must be >= warmup iterations/);
  });
});
