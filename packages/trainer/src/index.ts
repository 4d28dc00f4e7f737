// @cs336-ts/trainer: the library behind `train`, `sweep`, `generate`, `eval`, `export`, `plot` and `tokstats`
// — the run config, token arrays, the training loop and its ONNX engine, checkpoints and the run folder,
// metrics and learning curves, sweeps, inference from a checkpoint and the tokenizer study. An explicit list:
// what is not named here is internal. Test-only helpers are behind "@cs336-ts/trainer/testing".

export {
  ConfigError,
  CONFIG_FLAGS,
  configFromFlags,
  type RunConfig,
  type RunConfigInput,
  resolveRunConfig,
  stepLimit,
  TRAINING_DEFAULTS,
  type TrainingConfig,
  trainHyperOf,
} from "./run/config.ts";

export { type Batch, getBatch, getBatches } from "./data/batch.ts";
export {
  createNpyWriter,
  dtypeForVocab,
  NpyError,
  type NpyDtype,
  type NpyWriter,
  openNpy,
  type TokenArray,
  writeNpy,
} from "./data/npy.ts";
export { scanTokenArray, TokenRangeError } from "./data/validate.ts";
export {
  type DocumentSample,
  measureTokenizer,
  sampleDocuments,
  type TokenizerMeasure,
} from "./data/tokenizer-study.ts";

export type { EngineFactory, StepOutput, TrainEngine } from "./loop/engine.ts";
export { exitCodeOf, type Interrupt, installInterrupt, type StopReason } from "./loop/interrupt.ts";
export { createOnnxEngine } from "./loop/onnx-engine.ts";
export { createProgress, type Progress, type ProgressInfo } from "./loop/progress.ts";
export { createStatusLine, formatDuration, type StatusLine, type StatusStream } from "./io/status-line.ts";
export { planRun, type RunOutcome, type RunPlan, readPreset, runTraining } from "./loop/run-training.ts";
export { type LoopOptions, type LoopResult, type RunSummary, trainLoop } from "./loop/train-loop.ts";
export type { StopCause } from "./loop/budget.ts";

export {
  type Checkpoint,
  CheckpointError,
  loadCheckpoint,
  readCheckpointRunConfig,
  saveCheckpoint,
} from "./run/checkpoint.ts";
export {
  type AtomicFile,
  AtomicWriteError,
  openAtomicFile,
  removeStaleTempFiles,
  writeFileAtomic,
} from "./io/atomic-file.ts";
export { type MetricRecord, type MetricsLog, openMetrics, readMetrics } from "./run/metrics.ts";
export { readSamples, type SampleRecord } from "./run/samples.ts";
export { CURVE_AXES, type CurveAxis, loadRunSeries, type RunSeries, renderCurves } from "./run/plot.ts";
export { checkpointPath, latestCheckpoint, listCheckpoints, type RunInfo, runPaths } from "./run/run-dir.ts";
export { checkRunFolderFree, RunLockError } from "./run/run-lock.ts";
export { describeValues, planSweep, type SweepField, type SweepMode, type SweepRun } from "./sweep/plan.ts";
export { runSweep, type SweepOptions, type SweepResult, sweepPaths } from "./sweep/run-sweep.ts";
export { type SweepRow, type SweepStatus, sweepTable } from "./sweep/summary.ts";

export { type EvalResult, EvaluationError } from "./inference/eval.ts";
export { type ExportResult, exportCheckpoint } from "./inference/export.ts";
export {
  END_OF_TEXT,
  type EvalReport,
  type EvalRequest,
  createInferenceModel,
  evaluateCheckpoint,
  type GenerateReport,
  type GenerateRequest,
  generateFromCheckpoint,
  generateWith,
  type InferenceModel,
  type InferenceOptions,
  loadInferenceModel,
  type TokenizerPolicy,
} from "./inference/from-checkpoint.ts";
export {
  type CachedContext,
  type GenerateOptions,
  type GenerateResult,
  generate,
  type NextTokenModel,
} from "./inference/generate.ts";
