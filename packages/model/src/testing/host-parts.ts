// One-off runs of single model parts on host tensors, with the checks a graph cannot make at build time:
// integer inputs are data, so an id, target or position out of range would otherwise either fail deep inside
// ONNX Runtime ("Gather … idx=4 must be within [-4,3]") or, worse, give a plausible wrong number (a target
// ≥ V picks no logit; a negative index wraps around). Also the cosine schedule with its arguments checked.
// The test adapters call these. Leaves out batching and session reuse: each call emits, loads, runs and
// releases one graph (training uses train/trainer.ts).

import type { ModelConfig } from "../config.ts";
import { Graph } from "../graph/graph.ts";
import type { TensorData, Value } from "../graph/value.ts";
import {
  checkTokenIds,
  f32,
  type HostIntTensor,
  type HostTensor,
  i32,
  type ParamMap,
  paramFeeds,
  toHost,
} from "../host-tensors.ts";
import { multiheadSelfAttention } from "../nn/attention.ts";
import { crossEntropy, embedding } from "../nn/layers.ts";
import { transformerLayer } from "../nn/lm.ts";
import { headRopeAngles, rope, ropeTables } from "../nn/rope.ts";
import { type CosineSchedule, cosineLr, validateSchedule } from "../optim/schedule.ts";
import { runGraph } from "../runtime/session.ts";
import { createInference } from "../train/inference.ts";

/** Runs `g` once with `out` as its one output "y". */
async function runOne(g: Graph, out: Value, feeds: Record<string, TensorData>): Promise<TensorData> {
  g.output("y", out);
  const y = (await runGraph(g, feeds)).y;
  if (!y) throw new Error(`internal: ${g.name} produced no output`);
  return y;
}

/** Mean cross-entropy of logits (..., V) against targets (...), each target checked to lie in [0, V). */
export async function hostCrossEntropy(logits: HostTensor, targets: HostIntTensor): Promise<number> {
  const g = new Graph("cross_entropy");
  // Build first: it checks the shapes (and that V is known) before the targets are read.
  const loss = crossEntropy(g.input("logits", "float32", logits.shape), g.input("targets", "int32", targets.shape));
  checkTokenIds("targets", targets.data, logits.shape[logits.shape.length - 1]!);
  return (await runOne(g, loss, { logits: f32(logits), targets: i32(targets.data, targets.shape) })).data[0] as number;
}

/** Rows of weight [vocab, d] for ids (...), each id checked to lie in [0, vocab): → (..., d). */
export async function hostEmbedding(weight: HostTensor, ids: HostIntTensor): Promise<HostTensor> {
  const g = new Graph("embedding");
  const y = embedding(g.input("weight", "float32", weight.shape), g.input("ids", "int32", ids.shape));
  checkTokenIds("ids", ids.data, weight.shape[0]!);
  return toHost(await runOne(g, y, { weight: f32(weight), ids: i32(ids.data, ids.shape) }), "y");
}

/** Throws a RangeError naming the first position outside RoPE's tables [0, maxSeqLen) and where it is. */
function checkPositions(positions: ArrayLike<number>, maxSeqLen: number): void {
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (!(p >= 0 && p < maxSeqLen)) {
      throw new RangeError(
        `positions: position ${p} at index ${i} not in [0, ${maxSeqLen}); RoPE's cos/sin tables end at ` +
          "maxSeqLen (the context length): raise it or pass smaller positions",
      );
    }
  }
}

/** RoPE on x (..., T, dHead) at positions (..., T), each checked to lie in [0, maxSeqLen). */
export async function hostRope(
  dHead: number,
  theta: number,
  maxSeqLen: number,
  x: HostTensor,
  positions: HostIntTensor,
): Promise<HostTensor> {
  const tables = ropeTables(dHead, theta, maxSeqLen);
  if (x.shape[x.shape.length - 1] !== dHead) {
    throw new RangeError(`x has shape [${x.shape}]; its last dimension must be dHead (${dHead})`);
  }
  checkPositions(positions.data, maxSeqLen);
  const g = new Graph("rope");
  const y = rope(g.input("x", "float32", x.shape), g.input("positions", "int32", positions.shape), tables);
  return toHost(await runOne(g, y, { x: f32(x), positions: i32(positions.data, positions.shape) }), "y");
}

/** dModel / numHeads, after checking it is a whole (and, for RoPE, even) number. */
export function headSize(dModel: number, numHeads: number, withRope: boolean): number {
  for (const [what, n] of [
    ["dModel", dModel],
    ["numHeads", numHeads],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  }
  if (dModel % numHeads !== 0) {
    throw new RangeError(
      `dModel (${dModel}) must be divisible by numHeads (${numHeads}): each head gets dModel / numHeads features`,
    );
  }
  const dHead = dModel / numHeads;
  if (withRope && dHead % 2 !== 0) {
    throw new RangeError(
      `RoPE rotates pairs, so the head size dModel/numHeads must be even, got ${dModel}/${numHeads} = ${dHead}`,
    );
  }
  return dHead;
}

export type MhaWeights = { q: HostTensor; k: HostTensor; v: HostTensor; o: HostTensor };
export type MhaRope = { theta: number; maxSeqLen: number; positions: HostIntTensor };

/** Causal multi-head self-attention of x (B, T, dModel), with RoPE on q and k when `rope` is given. */
export async function hostMultiheadSelfAttention(
  dModel: number,
  numHeads: number,
  w: MhaWeights,
  x: HostTensor,
  rope?: MhaRope,
): Promise<HostTensor> {
  const dHead = headSize(dModel, numHeads, rope !== undefined);
  if (x.shape[x.shape.length - 1] !== dModel) {
    throw new RangeError(`x has shape [${x.shape}]; its last dimension must be dModel (${dModel})`);
  }
  const g = new Graph("mha");
  const feeds: Record<string, TensorData> = { x: f32(x) };
  const v = (name: keyof MhaWeights) => {
    feeds[name] = f32(w[name]);
    return g.input(name, "float32", w[name].shape);
  };
  const weights = { q: v("q"), k: v("k"), v: v("v"), o: v("o") };
  let angles: ReturnType<typeof headRopeAngles> | undefined;
  if (rope) {
    checkPositions(rope.positions.data, rope.maxSeqLen);
    feeds.positions = i32(rope.positions.data, rope.positions.shape);
    const pos = g.input("positions", "int32", rope.positions.shape);
    angles = headRopeAngles(ropeTables(dHead, rope.theta, rope.maxSeqLen), pos);
  }
  const y = multiheadSelfAttention(g.input("x", "float32", x.shape), weights, numHeads, angles);
  return toHost(await runOne(g, y, feeds), "y");
}

/** (B, T) for a token batch (B, T), or (1, T) for one sequence (T); anything else is a RangeError. */
export function tokenBatchShape(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  if (shape.length === 1) return [1, shape[0]!];
  throw new RangeError(`tokens must have shape (T) or (B, T), got [${shape}]; reshape the ids to (B, T)`);
}

/** Logits (..., T, V) of the LM for tokens (T) or (B, T), through the inference graph (ids checked). */
export async function hostLmLogits(config: ModelConfig, weights: ParamMap, tokens: HostIntTensor): Promise<HostTensor> {
  const bt = tokenBatchShape(tokens.shape);
  const lm = await createInference(config, weights);
  try {
    return { data: await lm.logits(tokens.data, bt), shape: [...tokens.shape, config.vocabSize] };
  } finally {
    await lm.release();
  }
}

/** Block `layer` of the LM on x (B, T, dModel), positions 0..T-1; `weights` may hold the other layers too. */
export async function hostTransformerBlock(
  config: ModelConfig,
  weights: ParamMap,
  layer: number,
  x: HostTensor,
): Promise<HostTensor> {
  if (!(Number.isSafeInteger(layer) && layer >= 0 && layer < config.numLayers)) {
    throw new RangeError(`layer must be an integer in [0, ${config.numLayers}) (numLayers), got ${layer}`);
  }
  if (x.shape.length !== 3 || x.shape[2] !== config.dModel) {
    throw new RangeError(`x must have shape (B, T, dModel = ${config.dModel}), got [${x.shape}]`);
  }
  const g = new Graph("block");
  const own = Object.fromEntries(Object.entries(weights).filter(([name]) => name.startsWith(`layers.${layer}.`)));
  const params: Record<string, Value> = {};
  for (const [name, t] of Object.entries(own)) params[name] = g.input(name, "float32", t.shape);
  const y = transformerLayer(g.input("x", "float32", x.shape), params, layer, config);
  return toHost(await runOne(g, y, { x: f32(x), ...paramFeeds(own) }), "y");
}

/**
 * CS336's `get_lr_cosine_schedule` with its arguments checked. Unlike training runs it allows
 * cosineCycleIters == warmupIters: a schedule with no cosine phase is well defined, if unusual.
 */
export function checkedCosineLr(it: number, s: CosineSchedule): number {
  if (!(Number.isSafeInteger(it) && it >= 0)) throw new RangeError(`iteration must be an integer >= 0, got ${it}`);
  return cosineLr(it, validateSchedule(s, "optional"));
}
