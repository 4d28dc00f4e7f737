// The LM graph beyond the reference shape: every ablation's backward against float64 central differences,
// inference with symbolic T (causality: a prefix's logits do not change when tokens are appended), the
// standalone exported model, and build-time errors. Reference values for the default shape: tests/model-lm.test.ts.
import { describe, expect, test } from "bun:test";
import { type ModelConfig, type ModelConfigInput, parameterSpecs, resolveModelConfig } from "../src/config.ts";
import { Graph } from "../src/graph/graph.ts";
import type { TensorData } from "../src/graph/value.ts";
import { initParameters } from "../src/init.ts";
import { parameterInputs, transformerLayer, transformerLm } from "../src/nn/lm.ts";
import { emitModel } from "../src/onnx/emit.ts";
import { Rng } from "../src/random.ts";
import { Session } from "../src/runtime/session.ts";
import { createInference, exportInferenceModel } from "../src/train/inference.ts";
import { buildLossAndGradsGraph } from "../src/train/train-step.ts";
import { lossAndGradients } from "../src/train/trainer.ts";
import { ARCHITECTURE_VARIANTS } from "./support/architecture-variants.ts";

const base: ModelConfigInput = { vocabSize: 13, contextLength: 8, dModel: 8, numLayers: 2, numHeads: 2, dFf: 12 };

async function gradCheck(config: ModelConfig, seed: number) {
  const [b, t] = [2, 5];
  const rng = Rng.seeded(seed);
  const session = await Session.create(emitModel(buildLossAndGradsGraph(config, b, t), { float64: true }));
  try {
    const params = initParameters(config, rng);
    const feeds: Record<string, TensorData> = {
      tokens: { dtype: "int32", shape: [b, t], data: Int32Array.from({ length: b * t }, () => rng.nextInt(13)) },
      targets: { dtype: "int32", shape: [b, t], data: Int32Array.from({ length: b * t }, () => rng.nextInt(13)) },
    };
    for (const [n, p] of Object.entries(params)) {
      // Norm gains away from 1 so their gradients are not special.
      const data = Float64Array.from(p.data, (v) => (p.shape.length === 1 ? v + rng.nextNormal() * 0.3 : v));
      feeds[n] = { dtype: "float64", shape: p.shape, data };
    }
    const out = await session.run(feeds);
    const loss = async () => ((await session.run(feeds, ["loss"])).loss!.data as Float64Array)[0]!;
    let worst = 0;
    for (const spec of parameterSpecs(config)) {
      const data = feeds[spec.name]!.data as Float64Array;
      const g = out[`grad.${spec.name}`]!.data as Float64Array;
      for (let trial = 0; trial < 2; trial++) {
        const i = rng.nextInt(data.length);
        const h = 1e-5;
        const saved = data[i]!;
        data[i] = saved + h;
        const up = await loss();
        data[i] = saved - h;
        const down = await loss();
        data[i] = saved;
        const numeric = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - g[i]!) / Math.max(1e-3, Math.abs(numeric)));
      }
    }
    return worst;
  } finally {
    await session.release();
  }
}

describe("ablations: float64 gradients match central differences", () => {
  for (const [name, opts] of ARCHITECTURE_VARIANTS) {
    test(name, async () => {
      expect(await gradCheck(resolveModelConfig({ ...base, ...opts }), name.length)).toBeLessThan(1e-6);
    });
  }
});

describe("inference graph", () => {
  const config = resolveModelConfig(base);
  const weights = initParameters(config, Rng.seeded(9));

  test("symbolic T: one session serves several lengths, and appended tokens never change a prefix's logits", async () => {
    const lm = await createInference(config, weights);
    try {
      const ids = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
      const long = await lm.logits(ids, [1, 8]);
      const short = await lm.logits(ids.subarray(0, 5), [1, 5]);
      expect(long.length).toBe(8 * 13);
      let maxDiff = 0;
      for (let i = 0; i < short.length; i++) maxDiff = Math.max(maxDiff, Math.abs(short[i]! - long[i]!));
      expect(maxDiff).toBeLessThan(1e-5);
      // Changing the last token changes only the last position.
      const edited = ids.slice();
      edited[7] = 0;
      const other = await lm.logits(edited, [1, 8]);
      for (let i = 0; i < 7 * 13; i++) expect(Math.abs(other[i]! - long[i]!)).toBeLessThan(1e-5);
      expect(
        Math.abs(other[7 * 13]! - long[7 * 13]!) + Math.abs(other[7 * 13 + 1]! - long[7 * 13 + 1]!),
      ).toBeGreaterThan(0);
      await expect(lm.logits(new Int32Array(9), [1, 9])).rejects.toThrow(
        /sequence length 9 exceeds the context length 8/,
      );
      await expect(lm.logits(Int32Array.from([1, 13]), [1, 2])).rejects.toThrow(
        /token id 13 at index 1 not in \[0, 13\)/,
      );
    } finally {
      await lm.release();
    }
  });

  test("the exported standalone model gives the training graph's logits", async () => {
    const tokens = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const ref = await lossAndGradients(
      config,
      weights,
      { data: tokens, shape: [2, 5] },
      { data: tokens, shape: [2, 5] },
    );
    const session = await Session.create(exportInferenceModel(config, weights));
    try {
      expect(session.inputNames).toEqual(["tokens", "positions"]);
      const out = await session.run({
        tokens: { dtype: "int32", shape: [2, 5], data: tokens },
        positions: { dtype: "int64", shape: [5], data: BigInt64Array.from([0n, 1n, 2n, 3n, 4n]) },
      });
      const got = out.logits!.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - ref.logits[i]!));
      expect(maxDiff).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });
});

describe("build-time errors", () => {
  test("a static sequence longer than the context is rejected while building", () => {
    const config = resolveModelConfig(base);
    const g = new Graph("lm");
    const params = parameterInputs(g, config);
    expect(() => transformerLm(g.input("tokens", "int32", [1, 9]), params, config)).toThrow(
      /sequence length 9 exceeds the context length 8/,
    );
  });

  test("transformerLayer (one block) rejects a static sequence longer than the context too", () => {
    for (const positional of ["rope", "none"] as const) {
      const config = resolveModelConfig({ ...base, positional });
      const g = new Graph("block");
      const params = parameterInputs(g, config);
      expect(() => transformerLayer(g.input("x", "float32", [1, 9, 8]), params, 0, config)).toThrow(
        /transformerLayer.*sequence length 9 exceeds the context length 8/s,
      );
    }
  });

  test("parameters missing or of the wrong shape are named", () => {
    const config = resolveModelConfig(base);
    const g = new Graph("lm");
    const params = parameterInputs(g, config);
    const tokens = g.input("tokens", "int32", [1, 4]);
    const { "lm_head.weight": _, ...rest } = params;
    expect(() => transformerLm(tokens, rest, config)).toThrow(/missing parameter "lm_head.weight"/);
    const wrong = { ...params, "ln_final.weight": g.input("bad", "float32", [7]) };
    expect(() => transformerLm(tokens, wrong, config)).toThrow(
      /"ln_final.weight" is float32\[7\], the config needs \[8\]/,
    );
  });
});
