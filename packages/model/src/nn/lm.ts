// The Transformer language model of CS336 assignment 1 §3.5: token embedding → numLayers blocks → final
// RMSNorm → LM head, with the config's ablations (norm placement, NoPE, SiLU FFN, tied embeddings), and the
// mean cross-entropy loss used for training, and the same stack run on new tokens after a KV cache (decoding).
// Parameters are graph Values keyed by their CS336 names. Leaves out: the softmax over logits (callers take
// logits).

import { type ModelConfig, parameterSpecs } from "../config.ts";
import { activeGraph, describe, type Graph } from "../graph/graph.ts";
import { cast, mul, neg } from "../graph/ops-elementwise.ts";
import { gather, gatherND, scatterND } from "../graph/ops-index.ts";
import { logSoftmax, reduceMean, softmax } from "../graph/ops-reduce.ts";
import { concat, reshape } from "../graph/ops-shape.ts";
import { sameShape } from "../graph/shape.ts";
import { type Dim, tensorOf, type Value } from "../graph/value.ts";
import type { KvSlot, LayerKv, RopeAngles } from "./attention.ts";
import { blockWeights, transformerBlock } from "./block.ts";
import { crossEntropy, dense, embedding, rmsNorm } from "./layers.ts";
import { headRopeAngles, ropeTables } from "./rope.ts";

export type LmParams = Record<string, Value>;

/** Graph inputs for every parameter of `config`, named and shaped as CS336 (`parameterSpecs` order). */
export function parameterInputs(g: Graph, config: ModelConfig): LmParams {
  const out: LmParams = {};
  for (const s of parameterSpecs(config)) out[s.name] = g.input(s.name, "float32", s.shape);
  return out;
}

/** Checks that `params` holds exactly the config's parameters with the right shapes. */
function checkParams(g: Graph, config: ModelConfig, params: LmParams): void {
  for (const s of parameterSpecs(config)) {
    const v = params[s.name];
    if (!v) throw g.error("transformerLm", `missing parameter "${s.name}" [${s.shape}] for this config`);
    if (!sameShape(v.shape, s.shape)) {
      throw g.error("transformerLm", `parameter "${s.name}" is ${describe(v)}, the config needs [${s.shape}]`);
    }
  }
}

/** RoPE angles for positions (T) or (B, T), shaped to broadcast over (B, H, T, d/2, 1); null for NoPE. */
function lmRope(config: ModelConfig, positions: Value): RopeAngles | null {
  if (config.positional === "none") return null;
  return headRopeAngles(ropeTables(config.dModel / config.numHeads, config.ropeTheta, config.contextLength), positions);
}

/** Positions 0..T-1 as an int64 constant (T static). */
function defaultPositions(g: Graph, t: Dim): Value {
  if (typeof t !== "number")
    throw g.error("transformerLm", `symbolic sequence length ${t} needs an explicit positions input`);
  return g.constant(
    tensorOf(
      "int64",
      [t],
      Array.from({ length: t }, (_, i) => i),
    ),
  );
}

/** A static sequence length must fit the context (RoPE's tables end there; ORT would fail in a Gather). */
function checkSeqLen(g: Graph, op: string, t: Dim | undefined, config: ModelConfig): void {
  if (typeof t === "number" && t > config.contextLength) {
    throw g.error(
      op,
      `sequence length ${t} exceeds the context length ${config.contextLength}; use shorter sequences or a model with a longer contextLength`,
    );
  }
}

/** Block `layer` alone on x (B, T, C), positions 0..T-1 (T static): the CS336 transformer_block problem. */
export function transformerLayer(x: Value, params: LmParams, layer: number, config: ModelConfig): Value {
  const g = activeGraph("transformerLayer", x);
  checkSeqLen(g, "transformerLayer", x.shape[1], config);
  const rope =
    config.positional === "rope" ? (lmRope(config, defaultPositions(g, x.shape[1]!)) ?? undefined) : undefined;
  return g.scope(`layers.${layer}`, () => transformerBlock(x, blockWeights(params, layer, config), config, rope));
}

/**
 * tokens (B, T) int → logits (B, T, V). `positions` (T) or (B, T) int defaults to 0..T-1 (T must then be
 * static). T is checked against the context length when it is static.
 */
export function transformerLm(tokens: Value, params: LmParams, config: ModelConfig, positions?: Value): Value {
  const g = activeGraph("transformerLm", tokens);
  checkParams(g, config, params);
  if (tokens.rank !== 2 || (tokens.dtype !== "int64" && tokens.dtype !== "int32")) {
    throw g.error("transformerLm", `tokens must be int (B, T), got ${describe(tokens)}`);
  }
  const t = tokens.shape[1]!;
  checkSeqLen(g, "transformerLm", t, config);
  let pos = positions;
  if (!pos && config.positional === "rope") {
    if (typeof t !== "number") {
      throw g.error("transformerLm", `symbolic sequence length ${t} needs an explicit positions input`);
    }
    pos = g.constant(
      tensorOf(
        "int64",
        [t],
        Array.from({ length: t }, (_, i) => i),
      ),
    );
  }
  return lmHead(g, lmTrunk(tokens, params, config, pos), params, config); // (B, T, V)
}

/**
 * The LM on tokens (B, T) that follow `past` (per layer keys/values (B, H, P, dh), P symbolic or 0 at run
 * time): logits of the last position only (B, V), which is all decoding needs, and each layer's keys and
 * values extended to P + T. `positions` (T) must be P..P+T-1 (RoPE models; NoPE ignores it).
 */
export function transformerLmCached(
  tokens: Value,
  params: LmParams,
  config: ModelConfig,
  positions: Value | undefined,
  past: readonly LayerKv[],
): { logits: Value; present: LayerKv[] } {
  const g = activeGraph("transformerLmCached", tokens);
  checkParams(g, config, params);
  if (tokens.rank !== 2 || (tokens.dtype !== "int64" && tokens.dtype !== "int32")) {
    throw g.error("transformerLmCached", `tokens must be int (B, T), got ${describe(tokens)}`);
  }
  if (past.length !== config.numLayers) {
    throw g.error("transformerLmCached", `needs ${config.numLayers} layers of cache, got ${past.length}`);
  }
  if (config.positional === "rope" && !positions) {
    throw g.error("transformerLmCached", "a RoPE model needs the positions P..P+T-1 of the new tokens");
  }
  const slots: KvSlot[] = past.map((p) => ({ past: p }));
  const x = lmTrunk(tokens, params, config, positions, slots); // (B, T, C)
  const last = gather(x, g.constant(tensorOf("int64", [], [-1])), 1); // (B, C): the last position
  const present = slots.map((s, i) => {
    if (!s.present) throw g.error("transformerLmCached", `layer ${i} did not use its cache`);
    return s.present;
  });
  return { logits: lmHead(g, last, params, config), present };
}

/** Embedding, the blocks and the final norm: tokens (B, T) → hidden states (B, T, C). */
function lmTrunk(
  tokens: Value,
  params: LmParams,
  config: ModelConfig,
  positions: Value | undefined,
  cache?: readonly KvSlot[],
): Value {
  const g = activeGraph("transformerLm", tokens);
  const rope = positions ? (lmRope(config, positions) ?? undefined) : undefined;
  let x = g.scope("token_embeddings", () => embedding(params["token_embeddings.weight"]!, tokens)); // (B, T, C)
  for (let i = 0; i < config.numLayers; i++) {
    const w = blockWeights(params, i, config);
    x = g.scope(`layers.${i}`, () => transformerBlock(x, w, config, rope, cache?.[i])); // (B, T, C)
  }
  if (config.norm !== "none") x = g.scope("ln_final", () => rmsNorm(x, params["ln_final.weight"]!, config.eps));
  return x;
}

/** The LM head (tied or not): hidden (..., C) → logits (..., V). */
function lmHead(g: Graph, x: Value, params: LmParams, config: ModelConfig): Value {
  const head = config.tiedEmbeddings ? params["token_embeddings.weight"]! : params["lm_head.weight"]!;
  return g.scope("lm_head", () => dense(x, head));
}

/**
 * Mean next-token cross-entropy of logits (B, T, V) against targets (B, T). With static B and T it is
 * -mean(logSoftmax(logits)[row, target]) picked by GatherND; symbolic shapes fall back to the composed
 * max/exp/one-hot form. Training uses `lmLossWithGradient`, which also builds the backward's first step.
 */
export function lmLoss(logits: Value, targets: Value): Value {
  return staticLoss(logits, targets)?.loss ?? crossEntropy(logits, targets);
}

/**
 * The static-shape loss together with d loss / d logits = (softmax(logits) - onehot(targets)) / (B·T), built
 * directly: one Softmax, one ScatterND and one scale over (B·T, V), where autodiff through LogSoftmax and
 * GatherND takes six passes (a zero fill, a scatter, a row sum, Exp, Mul, Sub). Feed `dLogits` to
 * `grad(logits, params, dLogits)`. Null for symbolic B or T.
 */
export function lmLossWithGradient(logits: Value, targets: Value): { loss: Value; dLogits: Value } | null {
  const s = staticLoss(logits, targets);
  if (!s) return null;
  const g = activeGraph("lmLoss", logits);
  const n = s.flat.shape[0] as number;
  const minusOne = g.constant(tensorOf(logits.dtype, [n], new Float64Array(n).fill(-1)));
  const d = mul(scatterND(softmax(s.flat, -1), s.picks, minusOne, "add"), 1 / n); // (N, V)
  return { loss: s.loss, dLogits: reshape(d, logits.shape) };
}

function staticLoss(logits: Value, targets: Value): { loss: Value; flat: Value; picks: Value } | null {
  const g = activeGraph("lmLoss", logits, targets);
  const [b, t, v] = logits.shape;
  if (logits.rank !== 3 || typeof b !== "number" || typeof t !== "number" || typeof v !== "number") return null;
  if (!sameShape(targets.shape, [b, t]) || (targets.dtype !== "int32" && targets.dtype !== "int64")) {
    throw g.error(
      "lmLoss",
      `targets must be int (${b}, ${t}) for logits ${describe(logits)}, got ${describe(targets)}`,
    );
  }
  const n = b * t;
  const flat = reshape(logits, [n, v]); // (N, V)
  const rows = g.constant(
    tensorOf(
      "int64",
      [n, 1],
      Array.from({ length: n }, (_, i) => i),
    ),
  );
  const cols = reshape(targets.dtype === "int64" ? targets : cast(targets, "int64"), [n, 1]);
  const picks = concat([rows, cols], 1); // (N, 2): (row, target)
  return { loss: neg(reduceMean(gatherND(logSoftmax(flat, -1), picks), [0])), flat, picks };
}
