// One-off runs of single model parts on host tensors, with the checks a graph cannot make at build time:
// integer inputs are data, so an id, target or position out of range would otherwise either fail deep inside
// ONNX Runtime ("Gather … idx=4 must be within [-4,3]") or, worse, give a plausible wrong number (a target
// ≥ V picks no logit; a negative index wraps around). The test adapters call these. Leaves out batching and
// session reuse: each call emits, loads, runs and releases one graph (training uses train/trainer.ts).

import { Graph } from "./graph/graph.ts";
import type { TensorData, Value } from "./graph/value.ts";
import type { HostTensor } from "./init.ts";
import { crossEntropy } from "./nn/cross-entropy.ts";
import { runGraph } from "./runtime/session.ts";
import { checkTokenIds } from "./train/host-tensors.ts";

/** Integer host tensor (ids, targets, positions), row-major. */
export type HostIntTensor = { data: Int32Array; shape: number[] };

const f32 = (t: HostTensor): TensorData => ({ dtype: "float32", shape: t.shape, data: t.data });
const i32 = (t: HostIntTensor): TensorData => ({ dtype: "int32", shape: t.shape, data: t.data });

async function runOne(g: Graph, out: Value, feeds: Record<string, TensorData>): Promise<TensorData> {
  g.output("y", out);
  const y = (await runGraph(g, feeds)).y;
  if (!y) throw new Error(`internal: ${g.name} produced no output`);
  return y;
}

/** Mean cross-entropy of logits (..., V) against targets (...), each target checked to lie in [0, V). */
export async function hostCrossEntropy(logits: HostTensor, targets: HostIntTensor): Promise<number> {
  const g = new Graph("cross_entropy");
  // Build first: it checks the shapes (and that V is known) before the targets are read.
  const loss = crossEntropy(g.input("logits", "float32", logits.shape), g.input("targets", "int32", targets.shape));
  checkTokenIds("targets", targets.data, logits.shape[logits.shape.length - 1]!);
  return (await runOne(g, loss, { logits: f32(logits), targets: i32(targets) })).data[0] as number;
}
