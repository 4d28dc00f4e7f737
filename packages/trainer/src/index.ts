// @cs336-ts/trainer: data loading, the training loop, checkpoints, metrics, progress and learning curves
// (plus sampling, evaluation and export). Keep this a plain export list.

export * from "./checkpoint.ts";
export * from "./config.ts";
export * from "./data/batch.ts";
export * from "./data/npy.ts";
export * from "./data/validate.ts";
export * from "./loop.ts";
export * from "./loop-engine.ts";
export * from "./loop-interrupt.ts";
export * from "./loop-onnx.ts";
export * from "./loop-run.ts";
export * from "./metrics.ts";
export * from "./plot.ts";
export * from "./progress.ts";
export * from "./run-dir.ts";
export * from "./sample.ts";
export * from "./generate.ts";
export * from "./generate-model.ts";
export * from "./generate-checkpoint.ts";
export * from "./eval.ts";
export * from "./eval-checkpoint.ts";
export * from "./export-graph.ts";
export * from "./export.ts";
