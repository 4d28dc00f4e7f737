// Every architecture variant the model builds (CS336's ablations), for the tests that must hold for each:
// gradients against central differences (lm.test.ts) and cached decoding against the full graph
// (kv-cache.test.ts). A new variant added here is checked by both.
import type { ModelConfigInput } from "../../src/config.ts";

export const ARCHITECTURE_VARIANTS: readonly (readonly [string, ModelConfigInput])[] = [
  ["pre-norm (CS336)", {}],
  ["post-norm", { norm: "post" }],
  ["no norm", { norm: "none" }],
  ["NoPE", { positional: "none" }],
  ["SiLU FFN", { ffn: "silu" }],
  ["tied embeddings", { tiedEmbeddings: true }],
];
