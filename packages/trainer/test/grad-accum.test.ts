// Gradient accumulation and `--d-ff auto` in the run config, and accumulation end to end through the real
// ONNX engine: a run of 2 micro-batches of 2 sequences per step logs the losses and token counts of a run of
// batches of 4 (the loop draws K·A micro-batches from the same generator stream as K batches of A·B).
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createOnnxEngine } from "../src/loop/onnx-engine.ts";
import { planRun, runTraining } from "../src/loop/run-training.ts";
import { configFromFlags, resolveRunConfig, tokensPerStep } from "../src/run/config.ts";
import { readMetrics } from "../src/run/metrics.ts";
import { runPaths } from "../src/run/run-dir.ts";
import { fixture } from "./support/loop-fixture.ts";

describe("config", () => {
  test("gradAccumSteps defaults to 1, comes from --grad-accum-steps and counts in tokens per step", () => {
    expect(resolveRunConfig({}).gradAccumSteps).toBe(1);
    const c = resolveRunConfig(configFromFlags(new Map<string, unknown>([["grad-accum-steps", 4]])));
    expect(c.gradAccumSteps).toBe(4);
    expect(tokensPerStep(c)).toBe(c.batchSize * 4 * c.model.contextLength);
    expect(() => resolveRunConfig({ gradAccumSteps: 0 })).toThrow(
      /gradAccumSteps \(--grad-accum-steps\) must be an integer >= 1, got 0/,
    );
  });

  test("--d-ff auto resolves per FFN kind so SiLU matches SwiGLU's parameters", () => {
    const auto = (ffn: string) =>
      resolveRunConfig(
        configFromFlags(
          new Map<string, unknown>([
            ["d-model", 512],
            ["d-ff", "auto"],
            ["ffn", ffn],
          ]),
        ),
      ).model.dFf;
    expect(auto("swiglu")).toBe(1344);
    expect(auto("silu")).toBe(2016);
    expect(resolveRunConfig({ model: { dModel: 256, dFf: "auto" } }).model.dFf).toBe(704); // preset JSON too
    expect(resolveRunConfig(configFromFlags(new Map([["d-ff", "96"]]))).model.dFf).toBe(96);
    expect(() => configFromFlags(new Map([["d-ff", "big"]]))).toThrow(/--d-ff must be an integer or "auto", got "big"/);
  });
});

describe("end to end", () => {
  test("A=2 micro-batches of 2 log the losses and tokens of batches of 4", async () => {
    const f = fixture({ maxSteps: 4, stepsPerRun: 2, val: null, evalEvery: 0, checkpointEvery: 0 });
    const quiet = { write() {}, isTTY: false };
    const train = async (name: string, overrides: { batchSize: number; gradAccumSteps: number }) => {
      const out = join(f.dir, name);
      const plan = planRun({ preset: f.preset, overrides: { ...overrides, out }, resume: null });
      const res = await runTraining(plan, { engineFactory: createOnnxEngine, argv: [], stderr: quiet });
      expect(res.status).toBe("completed");
      return readMetrics(runPaths(out).metrics).flatMap((r) => (r.kind === "train" ? [r] : []));
    };
    const accum = await train("accum", { batchSize: 2, gradAccumSteps: 2 });
    const big = await train("big", { batchSize: 4, gradAccumSteps: 1 });
    expect(accum.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    for (const [i, r] of accum.entries()) {
      expect(r.tokens).toBe(r.step * 4 * 8);
      expect(r.tokens).toBe(big[i]!.tokens);
      expect(Math.abs(r.loss - big[i]!.loss)).toBeLessThan(1e-5);
    }
  });
});
