// Adapters for the model-basic area (see tests/adapters.ts): each builds a float32 graph with the project's
// IR and layer functions and runs it with ONNX Runtime on CPU, or calls the library's host wrapper where integer
// inputs need checking first (embedding ids, cross-entropy targets). Only argument conversion lives here.

import { Graph, linear, silu, stableSoftmax, type TensorData, type Value } from "@cs336-ts/model/graph";
import { runGraph } from "@cs336-ts/model/runtime";
import { hostCrossEntropy, hostEmbedding } from "@cs336-ts/model/testing";
import type { IntTensor, Tensor } from "../adapters.ts";

const f32 = (t: Tensor): TensorData => ({ dtype: "float32", shape: t.shape, data: t.data });

async function run(g: Graph, out: Value, feeds: Record<string, TensorData>): Promise<TensorData> {
  g.output("y", out);
  return (await runGraph(g, feeds)).y!;
}

const tensor = (t: TensorData): Tensor => ({ data: t.data as Float32Array, shape: t.shape });

export async function runLinear(weight: Tensor, x: Tensor): Promise<Tensor> {
  const g = new Graph("linear");
  const y = linear(g.input("x", "float32", x.shape), g.input("weight", "float32", weight.shape));
  return tensor(await run(g, y, { x: f32(x), weight: f32(weight) }));
}

export function runEmbedding(weight: Tensor, ids: IntTensor): Promise<Tensor> {
  return hostEmbedding(weight, ids);
}

export async function runSilu(x: Tensor): Promise<Tensor> {
  const g = new Graph("silu");
  return tensor(await run(g, silu(g.input("x", "float32", x.shape)), { x: f32(x) }));
}

export async function runSoftmax(x: Tensor, dim: number): Promise<Tensor> {
  const g = new Graph("softmax");
  return tensor(await run(g, stableSoftmax(g.input("x", "float32", x.shape), dim), { x: f32(x) }));
}

export function runCrossEntropy(logits: Tensor, targets: IntTensor): Promise<number> {
  return hostCrossEntropy(logits, targets);
}
