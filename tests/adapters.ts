// The contract of ../shared/ADAPTERS.md: one import through which reference tests reach the project's real
// code paths (the tokenizer's default backend: the native addon when built, else WASM, same ids; pin WASM with
// CS336_TOKENIZER_BACKEND=wasm; ONNX graphs run by onnxruntime-node on CPU). The functions live in
// tests/adapters/*.ts by area and only convert arguments; this file holds the shared types and re-exports.

import type { ModelConfig as LmConfig } from "@cs336-ts/model";

export type Tensor = { data: Float32Array; shape: number[] }; // row-major
export type IntTensor = { data: Int32Array; shape: number[] };
export type Vocab = Map<number, Uint8Array>; // id -> token bytes
export type Merges = Array<[Uint8Array, Uint8Array]>; // in order of creation
/** CS336's hyperparameters: the model's config without this project's ablation switches and epsilon. */
export type ModelConfig = Pick<
  LmConfig,
  "vocabSize" | "contextLength" | "dModel" | "numLayers" | "numHeads" | "dFf" | "ropeTheta"
>;
export type Weights = Record<string, Tensor>; // CS336 names, e.g. "layers.0.attn.q_proj.weight"

export * from "./adapters/tokenizer-train.ts";
export * from "./adapters/tokenizer-encode.ts";
export * from "./adapters/model-basic.ts";
export * from "./adapters/model-lm.ts";
export * from "./adapters/trainer.ts";
