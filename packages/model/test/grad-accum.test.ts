// Gradient accumulation in the K-step training graph: A micro-batches of B sequences per optimizer step give
// the loss, gradient norm, parameters and moments of one step on the concatenated batch of A·B sequences (to
// float32 tolerance), over several steps with clipping active; and the micro-batch layout is checked.
import { describe, expect, test } from "bun:test";
import { type ModelConfigInput, resolveModelConfig } from "../src/config.ts";
import { initParameters } from "../src/init.ts";
import { Rng } from "../src/random.ts";
import { createTrainer, initTrainState } from "../src/train/trainer.ts";
import { relErr } from "@cs336-ts/testkit";

const tiny: ModelConfigInput = { vocabSize: 40, contextLength: 8, dModel: 16, numLayers: 2, numHeads: 2, dFf: 24 };
const hp = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0.5 };

describe("gradient accumulation", () => {
  test("A=3 micro-batches of B=2 equal one batch of 6, step for step (K=2, clipping active)", async () => {
    const config = resolveModelConfig(tiny);
    const [k, a, b, t] = [2, 3, 2, 8];
    const rng = Rng.seeded(11);
    const ids = () => Int32Array.from({ length: k * a * b * t }, () => rng.nextInt(config.vocabSize));
    // [K, A, B, T] read row-major is [K, A·B, T]: the same sequences, one big batch per step.
    const x = ids();
    const y = ids();
    const lrs = [3e-3, 2e-3];
    const state0 = initTrainState(initParameters(config, Rng.seeded(12)));
    const accum = await createTrainer(config, hp, { k, batch: b, seqLen: t, gradAccumSteps: a });
    const big = await createTrainer(config, hp, { k, batch: a * b, seqLen: t });
    try {
      expect(accum.gradAccumSteps).toBe(a);
      const r = await accum.step(state0, lrs, x, y);
      const ref = await big.step(state0, lrs, x, y);
      expect(r.state.step).toBe(2);
      for (let i = 0; i < k; i++) {
        expect(Math.abs(r.losses[i]! - ref.losses[i]!)).toBeLessThan(1e-5);
        expect(Math.abs(r.gradNorms[i]! - ref.gradNorms[i]!) / ref.gradNorms[i]!).toBeLessThan(1e-5);
      }
      expect(ref.gradNorms[0]!).toBeGreaterThan(hp.maxGradNorm); // so the clip factor is exercised
      for (const name of Object.keys(state0.params)) {
        expect(relErr(r.state.params[name]!.data, ref.state.params[name]!.data)).toBeLessThan(1e-5);
        expect(relErr(r.state.m[name]!.data, ref.state.m[name]!.data)).toBeLessThan(1e-5);
        expect(relErr(r.state.v[name]!.data, ref.state.v[name]!.data)).toBeLessThan(1e-4);
      }
      // And it is not just the first micro-batch: dropping the others changes the step.
      const firstOnly = await createTrainer(config, hp, { k: 1, batch: b, seqLen: t });
      try {
        const one = await firstOnly.step(state0, [lrs[0]!], x.subarray(0, b * t), y.subarray(0, b * t));
        expect(Math.abs(one.losses[0]! - ref.losses[0]!)).toBeGreaterThan(1e-4);
      } finally {
        await firstOnly.release();
      }
    } finally {
      await accum.release();
      await big.release();
    }
  });

  test("the ids must cover K·A·B·T and A must be a positive integer", async () => {
    const config = resolveModelConfig(tiny);
    await expect(createTrainer(config, hp, { k: 1, batch: 1, seqLen: 4, gradAccumSteps: 0 })).rejects.toThrow(
      /gradient accumulation steps must be a positive integer, got 0/,
    );
    const trainer = await createTrainer(config, hp, { k: 1, batch: 1, seqLen: 4, gradAccumSteps: 2 });
    try {
      const state = initTrainState(initParameters(config, Rng.seeded(0)));
      const short = new Int32Array(4);
      await expect(trainer.step(state, [1e-3], short, short)).rejects.toThrow(
        /x must hold k·gradAccumSteps·batch·seqLen = 1·2·1·4 = 8 ids, got 4/,
      );
    } finally {
      await trainer.release();
    }
  });
});
