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
export * from "./autodiff/grad.ts";
export type { GradContext, GradRule } from "./autodiff/rule-types.ts";
export * from "./autodiff/rules.ts";
export * from "./nn/linear.ts";
export * from "./nn/embedding.ts";
export * from "./nn/activations.ts";
export * from "./nn/softmax.ts";
export * from "./nn/cross-entropy.ts";
