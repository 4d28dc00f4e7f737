// CS336's test_serialization.py::test_checkpointing through our adapters: a small 3-layer net (fc1 100→200,
// fc2 200→100, fc3 100→10, with biases; not this project's LM) after 10 AdamW steps is saved with its optimizer
// state and iteration, loaded back, and every tensor, moment, the step and the iteration are equal bit for bit.
// Also a CS336 LM's weights, whose config comes back as given.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initParameters, resolveModelConfig, Rng } from "@cs336-ts/model";
import {
  type ModelConfig,
  runAdamw,
  runLoadCheckpoint,
  runSaveCheckpoint,
  type Tensor,
  type Weights,
} from "./adapters.ts";

const NET: Record<string, number[]> = {
  "fc1.weight": [200, 100],
  "fc1.bias": [200],
  "fc2.weight": [100, 200],
  "fc2.bias": [100],
  "fc3.weight": [10, 100],
  "fc3.bias": [10],
};
const hp = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
const config: ModelConfig = {
  vocabSize: 40,
  contextLength: 8,
  dModel: 16,
  numLayers: 2,
  numHeads: 2,
  dFf: 24,
  ropeTheta: 10000,
};

function normal(rng: Rng, shape: number[], scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => rng.nextNormal() * scale), shape };
}

/** The net after `steps` AdamW steps on seeded gradients, with AdamW's moments for those gradients. */
async function trainedNet(steps: number) {
  const rng = Rng.seeded(42);
  const names = Object.keys(NET);
  const params = names.map((n) => normal(rng, NET[n]!, 0.1));
  const grads = Array.from({ length: steps }, () => names.map((n) => normal(rng, NET[n]!, 1)));
  const after = (await runAdamw(params, grads, new Array(steps).fill(1e-3), hp)).at(-1)!;
  const m = names.map((n) => new Float64Array(NET[n]!.reduce((a, b) => a * b, 1)));
  const v = m.map((x) => new Float64Array(x.length));
  for (const step of grads) {
    step.forEach((gr, i) => {
      gr.data.forEach((g, j) => {
        m[i]![j] = hp.beta1 * m[i]![j]! + (1 - hp.beta1) * g;
        v[i]![j] = hp.beta2 * v[i]![j]! + (1 - hp.beta2) * g * g;
      });
    });
  }
  const named = (ts: Float32Array[]): Weights =>
    Object.fromEntries(names.map((n, i) => [n, { data: ts[i]!, shape: NET[n]! }]));
  return {
    weights: named(after.map((t) => t.data)),
    m: named(m.map((x) => Float32Array.from(x))),
    v: named(v.map((x) => Float32Array.from(x))),
  };
}

function expectSameWeights(actual: Weights, expected: Weights) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    expect([name, actual[name]!.shape]).toEqual([name, t.shape]);
    expect(actual[name]!.data).toEqual(t.data);
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), "cs336-ckpt-"));

describe("checkpointing (CS336 test_serialization)", () => {
  test("a 3-layer net's weights, AdamW state and iteration survive save and load", async () => {
    const net = await trainedNet(10);
    const path = join(tmp(), "checkpoint.safetensors");
    await runSaveCheckpoint(config, net.weights, { m: net.m, v: net.v, step: 10 }, 10, path);
    const back = await runLoadCheckpoint(path);
    expect(back.iteration).toBe(10);
    expect(back.adam.step).toBe(10);
    expectSameWeights(back.weights, net.weights);
    expectSameWeights(back.adam.m, net.m);
    expectSameWeights(back.adam.v, net.v);
    expect(back.config).toEqual(config);
    // The weights really were trained: AdamW moved every tensor.
    const start = normal(Rng.seeded(42), NET["fc1.weight"]!, 0.1);
    expect(back.weights["fc1.weight"]!.data).not.toEqual(start.data);
  });

  test("the LM's own weights round trip too, with the config as given", async () => {
    const weights = initParameters(resolveModelConfig(config), Rng.seeded(1));
    const m = initParameters(resolveModelConfig(config), Rng.seeded(2));
    const v = initParameters(resolveModelConfig(config), Rng.seeded(3));
    const path = join(tmp(), "lm.safetensors");
    await runSaveCheckpoint(config, weights, { m, v, step: 17 }, 20, path);
    const back = await runLoadCheckpoint(path);
    expect([back.iteration, back.adam.step]).toEqual([20, 17]);
    expect(back.config).toEqual(config);
    expectSameWeights(back.weights, weights);
    expectSameWeights(back.adam.m, m);
    expectSameWeights(back.adam.v, v);
  });
});
