// Every ONNX op type the IR can emit, verbatim (ai.onnx domain, opset 23). The autodiff table is a
// Record over this union, so adding an op here without a gradient rule is a compile error.
// Ops are added only when a builder function in graph/ops-*.ts emits them.

export const OP_TYPES = [
  // elementwise arithmetic and math
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Sqrt",
  "Exp",
  "Log",
  "Sigmoid",
  "Tanh",
  "Neg",
  "Abs",
  "Reciprocal",
  "Max",
  "Min",
  "Where",
  "Cast",
  "Identity",
  // comparisons and logic (no gradient)
  "Equal",
  "Less",
  "Greater",
  "Not",
  "And",
  // linear algebra
  "MatMul",
  // reductions and normalizers
  "ReduceSum",
  "ReduceMean",
  "ReduceMax",
  "Softmax",
  "LogSoftmax",
  // shape and data movement
  "Reshape",
  "Transpose",
  "Unsqueeze",
  "Squeeze",
  "Expand",
  "Slice",
  "Concat",
  "Split",
  "Gather",
  "GatherND",
  "ScatterND",
  "Pad",
  "Trilu",
  // tensor creation (no inputs to differentiate)
  "Constant",
  "ConstantOfShape",
  "Shape",
  // control flow
  "Loop",
] as const;

export type OpType = (typeof OP_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(OP_TYPES);
export function isOpType(s: string): s is OpType {
  return KNOWN.has(s);
}
