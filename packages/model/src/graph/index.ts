// @cs336-ts/model/graph: for building graphs: the IR (values, nodes, Graph), the ops named after their ONNX
// types, Loop, reverse-mode autodiff (`grad` and its rule table), ONNX emission, and the Transformer's layers
// and optimizer steps as graph builders. Overview for layer authors: ./README.md. An explicit list.

export { GRAD_RULES, type GradContext, type GradRule, grad } from "../autodiff/gradient.ts";
export {
  type AttentionWeights,
  type KvSlot,
  type LayerKv,
  multiheadSelfAttention,
  type RopeAngles,
  scaledDotProductAttention,
} from "../nn/attention.ts";
export { type BlockWeights, blockWeights, transformerBlock } from "../nn/block.ts";
export {
  crossEntropy,
  dense,
  embedding,
  type FfnWeights,
  linear,
  logSumExp,
  rmsNorm,
  silu,
  siluFfn,
  stableSoftmax,
  swiglu,
} from "../nn/layers.ts";
export {
  type LmParams,
  lmLoss,
  lmLossWithGradient,
  parameterInputs,
  transformerLayer,
  transformerLm,
  transformerLmCached,
} from "../nn/lm.ts";
export { applyRope, headRopeAngles, type RopeTables, rope, ropeTables } from "../nn/rope.ts";
export {
  type EmitOptions,
  emitModel,
  IR_VERSION,
  type ModelSummary,
  OPSET,
  SUPPORTED_OPSETS,
  summarizeModel,
  type TensorInfo,
  usesFloat64,
} from "../onnx/emit.ts";
export { type AdamwGradExtras, type AdamwSlots, adamwStep } from "../optim/adamw.ts";
export { clipByGlobalNorm, clipFactor } from "../optim/clip.ts";
export { activeGraph, describe, Graph, GraphBuildError, type OutputSpec } from "./graph.ts";
export { type LoopBodyArgs, type LoopBodyResult, type LoopOptions, loop } from "./loop.ts";
export { OP_TYPES, type OpType } from "./op-types.ts";
export {
  abs,
  add,
  and,
  cast,
  div,
  equal,
  exp,
  greater,
  identity,
  less,
  log,
  max,
  min,
  mul,
  neg,
  not,
  pow,
  reciprocal,
  sigmoid,
  sqrt,
  sub,
  tanh,
  where,
} from "./ops-elementwise.ts";
export { gather, gatherND, scatterND } from "./ops-index.ts";
export { logSoftmax, matMul, reduceMax, reduceMean, reduceSum, softmax } from "./ops-reduce.ts";
export {
  concat,
  constantOfShape,
  END,
  expand,
  expandAs,
  int64s,
  pad,
  reshape,
  reshapeAs,
  shapeOf,
  slice,
  split,
  squeeze,
  transpose,
  trilu,
  unsqueeze,
  zerosLike,
} from "./ops-shape.ts";
export {
  type Attr,
  type DType,
  type Dim,
  Node,
  type Shape,
  type TensorArray,
  type TensorData,
  tensorOf,
  Value,
} from "./value.ts";
