// The emitted opset is a parameter: 23 by default, 19 one option away (the fallback for CUDA providers whose
// Loop/Identity/ConstantOfShape kernels stop at opset 19). The training graph at opset 19 must load on the CPU
// provider and give exactly the losses and parameters it gives at 23; anything outside 19..23 is refused.
import { describe, expect, test } from "bun:test";
import { resolveModelConfig } from "../src/config.ts";
import type { TensorData } from "../src/graph/value.ts";
import { tensorOf } from "../src/graph/value.ts";
import { initParameters } from "../src/init.ts";
import { emitModel, summarizeModel } from "../src/onnx/emit.ts";
import { Rng } from "../src/random.ts";
import { Session } from "../src/runtime/session.ts";
import { buildTrainStepGraph, trainNames } from "../src/train/train-step.ts";

const config = resolveModelConfig({ vocabSize: 40, contextLength: 8, dModel: 16, numLayers: 2, numHeads: 2, dFf: 24 });
const hp = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1.0 };
const [k, batch, seqLen] = [3, 2, 8];

function feeds(): Record<string, TensorData> {
  const rng = Rng.seeded(7);
  const params = initParameters(config, rng);
  const ids = () => Int32Array.from({ length: k * batch * seqLen }, () => rng.nextInt(config.vocabSize));
  const out: Record<string, TensorData> = {
    [trainNames.step]: tensorOf("int64", [], [0]),
    [trainNames.lrs]: tensorOf("float32", [k], [1e-3, 3e-3, 2e-3]),
    [trainNames.x]: tensorOf("int32", [k, batch, seqLen], ids()),
    [trainNames.y]: tensorOf("int32", [k, batch, seqLen], ids()),
  };
  for (const [name, p] of Object.entries(params)) {
    out[name] = tensorOf("float32", p.shape, p.data);
    out[trainNames.m(name)] = tensorOf("float32", p.shape, new Float32Array(p.data.length));
    out[trainNames.v(name)] = tensorOf("float32", p.shape, new Float32Array(p.data.length));
  }
  return out;
}

async function runAt(opset: number): Promise<Record<string, TensorData>> {
  const bytes = emitModel(buildTrainStepGraph(config, hp, { k, batch, seqLen }), { opset });
  const session = await Session.create(bytes, { optimizationLevel: "all" });
  try {
    return await session.run(feeds());
  } finally {
    await session.release();
  }
}

describe("emitted opset", () => {
  const graph = () => buildTrainStepGraph(config, hp, { k: 1, batch: 1, seqLen: 4 });

  test("23 with IR version 11 by default, 19 with IR version 9 on request", () => {
    expect(summarizeModel(emitModel(graph()))).toMatchObject({ opset: 23, irVersion: 11 });
    expect(summarizeModel(emitModel(graph(), { opset: 19 }))).toMatchObject({ opset: 19, irVersion: 9 });
  });

  test("opsets outside 19..23 are refused, naming the supported ones", () => {
    expect(() => emitModel(graph(), { opset: 18 })).toThrow(/opset 18 is not supported; use one of 19,20,21,22,23/);
    expect(() => emitModel(graph(), { opset: 24 })).toThrow(RangeError);
  });

  test("the training graph at opset 19 loads on the CPU provider and matches opset 23 exactly", async () => {
    const [at19, at23] = [await runAt(19), await runAt(23)];
    const losses = at23[trainNames.losses]!.data as Float32Array;
    expect(losses.length).toBe(k);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect([...(at19[trainNames.losses]!.data as Float32Array)]).toEqual([...losses]);
    for (const name of Object.keys(at23)) expect([...at19[name]!.data]).toEqual([...at23[name]!.data]);
  });
});
