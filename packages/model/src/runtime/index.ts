// @cs336-ts/model/runtime: ONNX Runtime sessions over emitted model bytes (CPU or CUDA), typed-array feeds and
// results, and the emit-run-release shortcut. session.ts is the only module that imports onnxruntime-node.

export {
  type Device,
  type LogSeverity,
  type OptimizationLevel,
  runGraph,
  Session,
  type SessionOptions,
} from "./session.ts";
