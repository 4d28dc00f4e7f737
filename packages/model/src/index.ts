// @cs336-ts/model: graph IR, autodiff, ONNX emission, the runtime wrapper, layers, loss and optimizer graphs.
// API overview for layer authors: packages/model/src/graph/README.md. Keep this a plain export list.

export * from "./graph/value.ts";
export * from "./graph/op-types.ts";
export * from "./graph/graph.ts";
export * from "./graph/shape.ts";
export * from "./graph/ops-elementwise.ts";
export * from "./graph/ops-shape.ts";
export * from "./graph/ops-reduce.ts";
export * from "./graph/ops-index.ts";
export * from "./graph/loop.ts";
export * from "./onnx/emit.ts";
export * from "./runtime/session.ts";
export * from "./autodiff/gradient.ts";
export * from "./config.ts";
export * from "./random.ts";
export * from "./init.ts";
export * from "./nn/layers.ts";
export * from "./nn/rope.ts";
export * from "./nn/attention.ts";
export * from "./nn/block.ts";
export * from "./nn/lm.ts";
export * from "./optim/schedule.ts";
export * from "./optim/adamw.ts";
export * from "./optim/clip.ts";
export * from "./train/train-step.ts";
export * from "./train/trainer.ts";
export * from "./train/inference.ts";
export * from "./train/optim-host.ts";
export * from "./host-parts.ts";
export { checkParamMap, checkTokenIds } from "./train/host-tensors.ts";
