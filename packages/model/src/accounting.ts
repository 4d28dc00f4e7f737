// Resource accounting for a Transformer LM (CS336 assignment 1 §3.6 transformer_accounting, §4 adamwAccounting):
// parameters per component, forward FLOPs per matmul for one sequence (2·m·k·n each, attention's QKᵀ and AV
// included), training FLOPs (backward = 2 × forward), float32 memory for parameters, gradients, AdamW moments
// and activations, the largest batch a memory budget holds, and the time to train a token budget. Counts
// matmuls only: norms, softmax, SiLU and the AdamW update are a rounding error next to them.

import { type ModelConfig, type ModelConfigInput, parameterSpecs, resolveModelConfig } from "./config.ts";

const F32_BYTES = 4;

export type ParamGroup = {
  /** a CS336 name, with `layers.*` standing for every block */
  name: string;
  shape: number[];
  /** copies: numLayers for per-block weights, else 1 */
  count: number;
  params: number;
};

/** The parameters grouped by name across blocks, in `parameterSpecs` order. */
export function parameterGroups(c: ModelConfig): ParamGroup[] {
  const groups = new Map<string, ParamGroup>();
  for (const s of parameterSpecs(c)) {
    const name = s.name.replace(/^layers\.\d+\./, "layers.*.");
    const size = s.shape.reduce((a, b) => a * b, 1);
    const g = groups.get(name);
    if (g) {
      g.count++;
      g.params += size;
    } else groups.set(name, { name, shape: [...s.shape], count: 1, params: size });
  }
  return [...groups.values()];
}

export type Component = "attention projections" | "attention scores" | "feed-forward" | "lm head";
export const COMPONENTS: readonly Component[] = [
  "attention projections",
  "attention scores",
  "feed-forward",
  "lm head",
];

export type MatmulCost = {
  name: string;
  component: Component;
  /** one product (m × k)·(k × n) */
  m: number;
  k: number;
  n: number;
  /** products per sequence: numLayers, or numLayers × numHeads for attention's per-head products */
  count: number;
  /** 2·m·k·n·count */
  flops: number;
};

export type ForwardFlops = { matmuls: MatmulCost[]; byComponent: Record<Component, number>; total: number };

/** Forward FLOPs of one sequence of `seqLen` tokens (the full T×T score square, as ONNX Runtime computes it). */
export function forwardFlops(c: ModelConfig, seqLen: number): ForwardFlops {
  const [T, C, L, H, F] = [seqLen, c.dModel, c.numLayers, c.numHeads, c.dFf];
  const dh = C / H;
  const mm = (name: string, component: Component, m: number, k: number, n: number, count: number): MatmulCost => ({
    name,
    component,
    m,
    k,
    n,
    count,
    flops: 2 * m * k * n * count,
  });
  const matmuls = [
    ...["q_proj", "k_proj", "v_proj", "output_proj"].map((p) => mm(`attn.${p}`, "attention projections", T, C, C, L)),
    mm("attn QKᵀ (per head)", "attention scores", T, dh, T, L * H),
    mm("attn weights·V (per head)", "attention scores", T, T, dh, L * H),
    mm("ffn.w1", "feed-forward", T, C, F, L),
    ...(c.ffn === "swiglu" ? [mm("ffn.w3", "feed-forward", T, C, F, L)] : []),
    mm("ffn.w2", "feed-forward", T, F, C, L),
    mm(c.tiedEmbeddings ? "lm head (tied embedding)" : "lm_head", "lm head", T, C, c.vocabSize, 1),
  ];
  const byComponent = Object.fromEntries(COMPONENTS.map((k) => [k, 0])) as Record<Component, number>;
  for (const m of matmuls) byComponent[m.component] += m.flops;
  return { matmuls, byComponent, total: matmuls.reduce((s, m) => s + m.flops, 0) };
}

/** FLOPs of one optimizer step over `sequences` sequences: forward, and a backward of twice the forward. */
export function trainStepFlops(
  c: ModelConfig,
  seqLen: number,
  sequences: number,
): { forward: number; backward: number; total: number } {
  const forward = sequences * forwardFlops(c, seqLen).total;
  return { forward, backward: 2 * forward, total: 3 * forward };
}

export type ActivationRow = { name: string; elements: number };

/**
 * Activations kept for the backward at `batch` sequences of `seqLen` (elements), after CS336's adamwAccounting
 * list: per block its RMSNorms, the Q/K/V projections, QKᵀ, softmax, the weighted sum, the output projection,
 * W1, W3 (SwiGLU), SiLU and W2; then the final RMSNorm, the logits (output embedding) and the cross-entropy's
 * softmax over them. One tensor per listed output; the runtime's real peak differs by its kernels' temporaries.
 */
export function activationRows(c: ModelConfig, batch: number, seqLen: number): ActivationRow[] {
  const [BT, C, L, H, F, V] = [batch * seqLen, c.dModel, c.numLayers, c.numHeads, c.dFf, c.vocabSize];
  const scores = batch * H * seqLen * seqLen;
  const norms = c.norm !== "none";
  const rows: ActivationRow[] = [
    ...(norms ? [{ name: "RMSNorms (2 per block)", elements: L * 2 * BT * C }] : []),
    { name: "Q, K, V projections", elements: L * 3 * BT * C },
    { name: "QKᵀ scores", elements: L * scores },
    { name: "softmax", elements: L * scores },
    { name: "weighted sum of values", elements: L * BT * C },
    { name: "output projection", elements: L * BT * C },
    { name: "W1", elements: L * BT * F },
    ...(c.ffn === "swiglu" ? [{ name: "W3", elements: L * BT * F }] : []),
    { name: "SiLU", elements: L * BT * F },
    { name: "W2", elements: L * BT * C },
    ...(norms ? [{ name: "final RMSNorm", elements: BT * C }] : []),
    { name: "output embedding (logits)", elements: BT * V },
    { name: "cross-entropy (softmax of logits)", elements: BT * V },
  ];
  return rows;
}

export type TrainingMemory = {
  /** bytes, float32 */
  params: number;
  grads: number;
  /** AdamW's two moments */
  adamw: number;
  activations: number;
  total: number;
};

/** float32 bytes to train at `batch` sequences of `seqLen` (per micro-batch with gradient accumulation). */
export function trainingMemory(c: ModelConfig, batch: number, seqLen: number): TrainingMemory {
  const p = F32_BYTES * parameterGroups(c).reduce((s, g) => s + g.params, 0);
  const activations = F32_BYTES * activationRows(c, batch, seqLen).reduce((s, r) => s + r.elements, 0);
  return { params: p, grads: p, adamw: 2 * p, activations, total: 4 * p + activations };
}

/** The largest batch whose training memory fits `budgetBytes` (0 when the weights and optimizer alone do not). */
export function maxBatchSize(c: ModelConfig, budgetBytes: number, seqLen: number): number {
  const fixed = trainingMemory(c, 0, seqLen).total;
  const perSequence = trainingMemory(c, 1, seqLen).total - fixed;
  return Math.max(0, Math.floor((budgetBytes - fixed) / perSequence));
}

/** Seconds to train on `tokens` tokens in sequences of `seqLen` at `mfu` of a device peaking at `peakFlops`/s. */
export function trainingSeconds(
  c: ModelConfig,
  tokens: number,
  seqLen: number,
  device: { peakFlops: number; mfu: number },
): number {
  return trainStepFlops(c, seqLen, tokens / seqLen).total / (device.peakFlops * device.mfu);
}

/** CS336's GPT-2 shapes for the accounting problems (its counting: untied head, SwiGLU with d_ff as given). */
export const GPT2_SIZES: Readonly<Record<string, ModelConfigInput>> = Object.freeze({
  "gpt2-small": { numLayers: 12, dModel: 768, numHeads: 12, dFf: 3072 },
  "gpt2-medium": { numLayers: 24, dModel: 1024, numHeads: 16, dFf: 4096 },
  "gpt2-large": { numLayers: 36, dModel: 1280, numHeads: 20, dFf: 5120 },
  "gpt2-xl": { numLayers: 48, dModel: 1600, numHeads: 25, dFf: 6400 },
});

/** A GPT-2 size as a resolved config (vocabulary 50,257, context 1,024); throws naming the known sizes. */
export function gpt2Config(name: string): ModelConfig {
  const shape = GPT2_SIZES[name];
  if (!shape) throw new RangeError(`unknown GPT-2 size "${name}" (known: ${Object.keys(GPT2_SIZES).join(", ")})`);
  return resolveModelConfig({ vocabSize: 50_257, contextLength: 1024, ...shape });
}
