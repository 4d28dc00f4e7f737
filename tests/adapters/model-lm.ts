// Adapters for the model-lm area (see tests/adapters.ts): graphs built with the project's layer functions and
// run by ONNX Runtime on CPU, or the library's host wrappers, which check what a graph cannot (RoPE positions,
// head sizes, token shapes, schedule arguments): RoPE, attention, block, LM, loss-and-gradients, AdamW,
// clipping, schedule. Only argument conversion lives here.

import { lossAndGradients, type ParamMap, resolveModelConfig } from "@cs336-ts/model";
import { Graph, rmsNorm, scaledDotProductAttention, swiglu, type TensorData, type Value } from "@cs336-ts/model/graph";
import { runGraph } from "@cs336-ts/model/runtime";
import {
  checkedCosineLr,
  clipGradients,
  hostLmLogits,
  hostMultiheadSelfAttention,
  hostRope,
  hostTransformerBlock,
  runAdamwSteps,
} from "@cs336-ts/model/testing";
import type { IntTensor, ModelConfig, Tensor, Weights } from "../adapters.ts";

const f32 = (t: Tensor): TensorData => ({ dtype: "float32", shape: t.shape, data: t.data });
const tensor = (t: TensorData): Tensor => ({ data: t.data as Float32Array, shape: t.shape });
const params = (w: Weights): ParamMap => w;
// Only ADAPTERS.md's seven fields: a caller's config object may carry more (batch size, run name, …).
const cs336 = (c: ModelConfig): ModelConfig => ({
  vocabSize: c.vocabSize,
  contextLength: c.contextLength,
  dModel: c.dModel,
  numLayers: c.numLayers,
  numHeads: c.numHeads,
  dFf: c.dFf,
  ropeTheta: c.ropeTheta,
});

async function run(g: Graph, out: Value, feeds: Record<string, TensorData>): Promise<Tensor> {
  g.output("y", out);
  return tensor((await runGraph(g, feeds)).y!);
}

/** Graph inputs named like the given tensors, plus their feeds. */
function inputs(g: Graph, ts: Record<string, Tensor>): [Record<string, Value>, Record<string, TensorData>] {
  const vs: Record<string, Value> = {};
  const feeds: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(ts)) {
    vs[name] = g.input(name, "float32", t.shape);
    feeds[name] = f32(t);
  }
  return [vs, feeds];
}

export async function runRmsnorm(weight: Tensor, x: Tensor, eps = 1e-5): Promise<Tensor> {
  const g = new Graph("rmsnorm");
  const [v, feeds] = inputs(g, { weight, x });
  return run(g, rmsNorm(v.x!, v.weight!, eps), feeds);
}

export async function runSwiglu(w1: Tensor, w2: Tensor, w3: Tensor, x: Tensor): Promise<Tensor> {
  const g = new Graph("swiglu");
  const [v, feeds] = inputs(g, { w1, w2, w3, x });
  return run(g, swiglu(v.x!, { w1: v.w1!, w2: v.w2!, w3: v.w3! }), feeds);
}

export function runRope(
  dHead: number,
  theta: number,
  maxSeqLen: number,
  x: Tensor,
  positions: IntTensor,
): Promise<Tensor> {
  return hostRope(dHead, theta, maxSeqLen, x, positions);
}

export async function runScaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask?: { data: Uint8Array; shape: number[] },
): Promise<Tensor> {
  const g = new Graph("sdpa");
  const [vs, feeds] = inputs(g, { q, k, v });
  const m = mask ? g.input("mask", "bool", mask.shape) : undefined;
  if (mask) feeds.mask = { dtype: "bool", shape: mask.shape, data: mask.data };
  return run(g, scaledDotProductAttention(vs.q!, vs.k!, vs.v!, m), feeds);
}

export function runMultiheadSelfAttention(
  dModel: number,
  numHeads: number,
  w: { q: Tensor; k: Tensor; v: Tensor; o: Tensor },
  x: Tensor,
  ropeArgs?: { theta: number; maxSeqLen: number; positions: IntTensor },
): Promise<Tensor> {
  return hostMultiheadSelfAttention(dModel, numHeads, w, x, ropeArgs);
}

export function runTransformerBlock(config: ModelConfig, weights: Weights, layer: number, x: Tensor): Promise<Tensor> {
  return hostTransformerBlock(resolveModelConfig(cs336(config)), params(weights), layer, x);
}

export function runTransformerLm(config: ModelConfig, weights: Weights, tokens: IntTensor): Promise<Tensor> {
  return hostLmLogits(resolveModelConfig(cs336(config)), params(weights), tokens);
}

export async function runLmLossAndGradients(
  config: ModelConfig,
  weights: Weights,
  tokens: IntTensor,
  targets: IntTensor,
): Promise<{ loss: number; grads: Weights }> {
  const r = await lossAndGradients(resolveModelConfig(cs336(config)), params(weights), tokens, targets);
  return { loss: r.loss, grads: r.grads };
}

export function runAdamw(
  params: Tensor[],
  gradsPerStep: Tensor[][],
  lrs: number[],
  hp: { beta1: number; beta2: number; eps: number; weightDecay: number },
): Promise<Tensor[][]> {
  return runAdamwSteps(params, gradsPerStep, lrs, hp);
}

export function runGetLrCosineSchedule(
  it: number,
  maxLearningRate: number,
  minLearningRate: number,
  warmupIters: number,
  cosineCycleIters: number,
): number {
  return checkedCosineLr(it, { maxLearningRate, minLearningRate, warmupIters, cosineCycleIters });
}

export async function runGradientClipping(grads: Tensor[], maxL2Norm: number): Promise<Tensor[]> {
  return (await clipGradients(grads, maxL2Norm)).grads;
}
