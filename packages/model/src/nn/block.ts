// The Transformer block of CS336 assignment 1 §3.5 in its three norm placements: pre-norm (CS336,
// y = x + attn(ln1(x)); z = y + ffn(ln2(y))), post-norm (original Transformer, y = ln1(x + attn(x));
// z = ln2(y + ffn(y))) and no norm (the layer-norm ablation). Leaves out dropout.

import { add } from "../graph/ops-elementwise.ts";
import type { Value } from "../graph/value.ts";
import type { ModelConfig } from "../config.ts";
import { type AttentionWeights, type KvSlot, multiheadSelfAttention, type RopeAngles } from "./attention.ts";
import { type FfnWeights, rmsNorm, siluFfn, swiglu } from "./layers.ts";

export type BlockWeights = { attn: AttentionWeights; ffn: FfnWeights; ln1?: Value; ln2?: Value };

type BlockConfig = Pick<ModelConfig, "numHeads" | "norm" | "ffn" | "eps">;

/** The block's weights out of a CS336-named map (`layers.{i}.…`). */
export function blockWeights(params: Record<string, Value>, layer: number, c: BlockConfig): BlockWeights {
  const p = (name: string) => {
    const v = params[`layers.${layer}.${name}`];
    if (!v) throw new Error(`missing parameter layers.${layer}.${name}`);
    return v;
  };
  const ffn: FfnWeights = { w1: p("ffn.w1.weight"), w2: p("ffn.w2.weight") };
  if (c.ffn === "swiglu") ffn.w3 = p("ffn.w3.weight");
  const attn = {
    q: p("attn.q_proj.weight"),
    k: p("attn.k_proj.weight"),
    v: p("attn.v_proj.weight"),
    o: p("attn.output_proj.weight"),
  };
  if (c.norm === "none") return { attn, ffn };
  return { attn, ffn, ln1: p("ln1.weight"), ln2: p("ln2.weight") };
}

/** x (B, T, C) → (B, T, C); with `cache`, x follows the cached tokens (see multiheadSelfAttention). */
export function transformerBlock(x: Value, w: BlockWeights, c: BlockConfig, rope?: RopeAngles, cache?: KvSlot): Value {
  const attn = (h: Value) => multiheadSelfAttention(h, w.attn, c.numHeads, rope, cache);
  const ffn = (h: Value) => (c.ffn === "swiglu" ? swiglu(h, w.ffn as Required<FfnWeights>) : siluFfn(h, w.ffn));
  const norm = (h: Value, gain: Value | undefined) => rmsNorm(h, gain!, c.eps);
  switch (c.norm) {
    case "pre": {
      const y = add(x, attn(norm(x, w.ln1))); // (B, T, C)
      return add(y, ffn(norm(y, w.ln2)));
    }
    case "post": {
      const y = norm(add(x, attn(x)), w.ln1);
      return norm(add(y, ffn(y)), w.ln2);
    }
    case "none": {
      const y = add(x, attn(x));
      return add(y, ffn(y));
    }
  }
}
