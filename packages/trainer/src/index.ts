// @cs336-ts/trainer: data loading, the training loop, checkpoints, metrics, progress and learning curves
// (plus sampling, evaluation, export, downloads and the doctor). Keep this a plain export list.

export * from "./checkpoint.ts";
export * from "./config.ts";
export * from "./data/batch.ts";
export * from "./data/npy.ts";
export * from "./data/validate.ts";
export * from "./loop.ts";
export * from "./loop-engine.ts";
export * from "./loop-interrupt.ts";
export * from "./loop-run.ts";
export * from "./metrics.ts";
export * from "./plot.ts";
export * from "./progress.ts";
export * from "./run-dir.ts";
