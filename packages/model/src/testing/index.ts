// @cs336-ts/model/testing: the escape hatch for what only tests and benches use, named so nobody reaches it by
// accident: single model parts run on host tensors with their inputs checked (what the CS336 adapters call),
// AdamW and clipping run on their own, and ONNX Runtime profile traces read back (bench/train-step.ts).
// Training and inference themselves never need anything here.

export {
  checkedCosineLr,
  hostCrossEntropy,
  hostEmbedding,
  hostLmLogits,
  hostMultiheadSelfAttention,
  hostRope,
  hostTransformerBlock,
  type MhaRope,
  type MhaWeights,
} from "./host-parts.ts";
export { clipGradients, runAdamwSteps } from "./optim-host.ts";
export { type RunProfile, readTrace, summarizeTrace, type TraceEvent, type TraceSummary } from "./profile-trace.ts";
