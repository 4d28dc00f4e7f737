// @cs336-ts/model: what it takes to build, train, run and save a CS336 Transformer LM: the config and its
// resource accounting, seeded initialization, the training and inference graphs with their host runners, the
// schedule, AdamW settings, safetensors and host tensors. Building graphs of your own: "@cs336-ts/model/graph";
// sessions and devices: "@cs336-ts/model/runtime"; what only tests and benches use: "@cs336-ts/model/testing".
// An explicit list.

export {
  type ActivationRow,
  activationRows,
  COMPONENTS,
  type Component,
  type ForwardFlops,
  forwardFlops,
  GPT2_SIZES,
  gpt2Config,
  type MatmulCost,
  maxBatchSize,
  type ParamGroup,
  parameterGroups,
  type TrainingMemory,
  trainingMemory,
  trainingSeconds,
  trainStepFlops,
} from "./accounting.ts";
export {
  autoDff,
  ConfigError,
  MODEL_DEFAULTS,
  type ModelConfig,
  type ModelConfigInput,
  type ParamKind,
  type ParamSpec,
  parameterCount,
  parameterSpecs,
  resolveModelConfig,
  trainFlopsPerToken,
} from "./config.ts";
export {
  checkParamMap,
  checkTokenIds,
  f32,
  type HostIntTensor,
  type HostTensor,
  i32,
  type ParamMap,
  paramFeeds,
  paramsFrom,
  toHost,
} from "./host-tensors.ts";
export { initParameters, zerosLikeParams } from "./init.ts";
export {
  asFloat32,
  readSafetensors,
  type SafeArray,
  type SafeDtype,
  type SafeFile,
  type SafeTensor,
  SafetensorsError,
  writeSafetensors,
} from "./io/safetensors.ts";
export { decodeStateFile, encodeStateFile, type StateFile, StateFileError } from "./io/state-file.ts";
export { ADAMW_DEFAULTS, type AdamwHyper, validateAdamw } from "./optim/adamw.ts";
export { type CosineSchedule, cosineLr, scheduleSlice, validateSchedule } from "./optim/schedule.ts";
export { Rng, type RngState } from "./random.ts";
export {
  buildCachedInferenceGraph,
  type CachedInference,
  createCachedInference,
  type KvCache,
} from "./train/cached-inference.ts";
export {
  buildInferenceGraph,
  createInference,
  exportInferenceModel,
  type Inference,
  type InferenceGraphOptions,
  type InferenceOptions,
} from "./train/inference.ts";
export {
  buildLossAndGradsGraph,
  buildTrainStepGraph,
  type TrainHyper,
  type TrainShape,
  trainNames,
} from "./train/train-step.ts";
export {
  createTrainer,
  initTrainState,
  lossAndGradients,
  type StepResult,
  type Trainer,
  type TrainerOptions,
  type TrainState,
} from "./train/trainer.ts";
