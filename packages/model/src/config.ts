// The one Transformer LM configuration: CS336 assignment 1's hyperparameters plus its ablation switches
// (no/post RMSNorm, NoPE, SiLU feed-forward, tied embeddings), the CS336 parameter names with their shapes,
// and the parameter count. Validated once by `resolveModelConfig`; everything downstream trusts it.
// Leaves out: dropout and biases (CS336's model has neither).

/** A fully resolved, validated model configuration. */
export type ModelConfig = {
  /** Number of token ids; embedding rows and logits width. */
  vocabSize: number;
  /** Longest sequence the model accepts; RoPE tables are precomputed up to it. */
  contextLength: number;
  /** Residual stream width C. */
  dModel: number;
  /** Number of Transformer blocks. */
  numLayers: number;
  /** Attention heads; dModel / numHeads is the head size. */
  numHeads: number;
  /** Feed-forward hidden width (CS336: about 8/3 dModel for SwiGLU, 4 dModel for the SiLU ablation); "auto" in input. */
  dFf: number;
  /** RoPE base Θ. */
  ropeTheta: number;
  /** Where RMSNorm sits: "pre" (CS336), "post" (original Transformer), or "none" (all norms removed). */
  norm: "pre" | "post" | "none";
  /** "rope" (CS336) or "none" (NoPE: no positional information at all). */
  positional: "rope" | "none";
  /** "swiglu" (CS336: w2(silu(w1 x) * w3 x)) or "silu" (w2(silu(w1 x)), no w3). */
  ffn: "swiglu" | "silu";
  /** Share token_embeddings.weight as the LM head (no lm_head.weight parameter). */
  tiedEmbeddings: boolean;
  /** RMSNorm epsilon. */
  eps: number;
};

/** A config before resolution: any subset of fields; dFf may be "auto" (see `autoDff`). */
export type ModelConfigInput = Omit<Partial<ModelConfig>, "dFf"> & { dFf?: number | "auto" };

/**
 * d_ff for `dFf: "auto"`: CS336's 8/3·dModel rounded to a multiple of 64 for SwiGLU, and for the SiLU ablation
 * 3/2 of that, so its two d_ff×C matrices hold as many parameters as SwiGLU's three (the fair comparison).
 */
export function autoDff(dModel: number, ffn: ModelConfig["ffn"]): number {
  const swiglu = Math.max(64, Math.round(((8 / 3) * dModel) / 64) * 64);
  return ffn === "silu" ? Math.round((3 * swiglu) / 2) : swiglu;
}

/** CS336's TinyStories model. */
export const MODEL_DEFAULTS: Readonly<ModelConfig> = Object.freeze({
  vocabSize: 10_000,
  contextLength: 256,
  dModel: 512,
  numLayers: 4,
  numHeads: 16,
  dFf: 1344,
  ropeTheta: 10_000,
  norm: "pre",
  positional: "rope",
  ffn: "swiglu",
  tiedEmbeddings: false,
  eps: 1e-5,
});

export class ConfigError extends Error {
  override name = "ConfigError";
}

const INT_FIELDS = ["vocabSize", "contextLength", "dModel", "numLayers", "numHeads", "dFf"] as const;
const CHOICES = {
  norm: ["pre", "post", "none"],
  positional: ["rope", "none"],
  ffn: ["swiglu", "silu"],
} as const;

/** Fills defaults and validates; throws ConfigError naming the field and how to fix it. */
export function resolveModelConfig(input: ModelConfigInput = {}): ModelConfig {
  const known = new Set(Object.keys(MODEL_DEFAULTS));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new ConfigError(`unknown model config field "${key}" (known: ${[...known].join(", ")})`);
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const c: ModelConfig = { ...MODEL_DEFAULTS, ...defined };
  if ((c.dFf as unknown) === "auto") c.dFf = autoDff(c.dModel, c.ffn);
  for (const f of INT_FIELDS) {
    const v = c[f];
    const or = f === "dFf" ? ' or "auto"' : "";
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`${f} must be a positive integer${or}, got ${v}`);
  }
  for (const [f, allowed] of Object.entries(CHOICES) as [keyof typeof CHOICES, readonly string[]][]) {
    if (!allowed.includes(c[f])) {
      throw new ConfigError(
        `${f} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(c[f])}`,
      );
    }
  }
  if (typeof c.tiedEmbeddings !== "boolean") {
    throw new ConfigError(`tiedEmbeddings must be true or false, got ${JSON.stringify(c.tiedEmbeddings)}`);
  }
  if (!(Number.isFinite(c.ropeTheta) && c.ropeTheta > 0)) {
    throw new ConfigError(`ropeTheta must be a positive number, got ${c.ropeTheta}`);
  }
  if (!(Number.isFinite(c.eps) && c.eps > 0)) throw new ConfigError(`eps must be a positive number, got ${c.eps}`);
  if (c.dModel % c.numHeads !== 0) {
    throw new ConfigError(
      `dModel (${c.dModel}) must be divisible by numHeads (${c.numHeads}); ` +
        `pick numHeads among the divisors of dModel, e.g. ${divisorsNear(c.dModel, c.numHeads)}`,
    );
  }
  const dHead = c.dModel / c.numHeads;
  if (c.positional === "rope" && dHead % 2 !== 0) {
    throw new ConfigError(
      `RoPE rotates pairs, so the head size dModel/numHeads must be even, got ${c.dModel}/${c.numHeads} = ${dHead}; ` +
        `change dModel or numHeads, or use positional "none"`,
    );
  }
  return c;
}

function divisorsNear(n: number, near: number): string {
  const ds: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) ds.push(d);
  ds.sort((a, b) => Math.abs(a - near) - Math.abs(b - near));
  return ds.slice(0, 3).join(" or ");
}

/** How a parameter is initialized (CS336 §3.4.1). */
export type ParamKind = "linear" | "embedding" | "norm";
export type ParamSpec = { name: string; shape: number[]; kind: ParamKind };

/** Every parameter in a fixed order (the order of graph inputs and checkpoints), with CS336 names. */
export function parameterSpecs(c: ModelConfig): ParamSpec[] {
  const C = c.dModel;
  const specs: ParamSpec[] = [{ name: "token_embeddings.weight", shape: [c.vocabSize, C], kind: "embedding" }];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `layers.${i}`;
    for (const proj of ["q", "k", "v", "output"]) {
      specs.push({ name: `${p}.attn.${proj}_proj.weight`, shape: [C, C], kind: "linear" });
    }
    if (c.norm !== "none") specs.push({ name: `${p}.ln1.weight`, shape: [C], kind: "norm" });
    specs.push({ name: `${p}.ffn.w1.weight`, shape: [c.dFf, C], kind: "linear" });
    specs.push({ name: `${p}.ffn.w2.weight`, shape: [C, c.dFf], kind: "linear" });
    if (c.ffn === "swiglu") specs.push({ name: `${p}.ffn.w3.weight`, shape: [c.dFf, C], kind: "linear" });
    if (c.norm !== "none") specs.push({ name: `${p}.ln2.weight`, shape: [C], kind: "norm" });
  }
  if (c.norm !== "none") specs.push({ name: "ln_final.weight", shape: [C], kind: "norm" });
  if (!c.tiedEmbeddings) specs.push({ name: "lm_head.weight", shape: [c.vocabSize, C], kind: "linear" });
  return specs;
}

/** Total number of trainable scalars. */
export function parameterCount(c: ModelConfig): number {
  return parameterSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Training FLOPs per token at sequence length `seqLen`: 6 per matmul parameter (forward 2, backward 4), plus
 * attention's QKᵀ and AV, 4·T·C per layer forward and 12·T·C with the backward (the full T×T square, which is
 * what ONNX Runtime computes). Embedding rows are a gather, so they count only when tied to the LM head.
 */
export function trainFlopsPerToken(c: ModelConfig, seqLen: number): number {
  const matmulParams = parameterSpecs(c)
    .filter((s) => s.kind === "linear" || (s.kind === "embedding" && c.tiedEmbeddings))
    .reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  return 6 * matmulParams + 12 * c.numLayers * seqLen * c.dModel;
}
