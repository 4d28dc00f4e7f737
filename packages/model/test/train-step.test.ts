// The K-step training graph: K steps in one run equal K single-step runs, one step equals the host pipeline
// (graph gradients → float64 clipping → float64 AdamW), a tiny model overfits one batch, and bad input is
// rejected before anything runs.
import { describe, expect, test } from "bun:test";
import { type ModelConfigInput, resolveModelConfig } from "../src/config.ts";
import { initParameters } from "../src/init.ts";
import { adamwInit, adamwStepReference, clipReference } from "./support/reference-optim.ts";
import { Rng } from "../src/random.ts";
import { createTrainer, initTrainState, lossAndGradients, type TrainState } from "../src/train/trainer.ts";
import { relErr } from "@cs336-ts/testkit";

const tiny: ModelConfigInput = { vocabSize: 40, contextLength: 16, dModel: 16, numLayers: 2, numHeads: 2, dFf: 24 };
const hp = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1.0 };

function batches(rng: Rng, k: number, b: number, t: number, vocab: number) {
  const x = Int32Array.from({ length: k * b * t }, () => rng.nextInt(vocab));
  const y = Int32Array.from({ length: k * b * t }, () => rng.nextInt(vocab));
  return { x, y };
}

describe("training step graph", () => {
  test("K=4 steps in one run give the parameters, moments and losses of four K=1 runs", async () => {
    const config = resolveModelConfig(tiny);
    const [k, b, t] = [4, 2, 8];
    const { x, y } = batches(Rng.seeded(1), k, b, t, config.vocabSize);
    const lrs = [1e-3, 3e-3, 2e-3, 5e-4];
    const state0 = initTrainState(initParameters(config, Rng.seeded(2)));
    const big = await createTrainer(config, hp, { k, batch: b, seqLen: t });
    const one = await createTrainer(config, hp, { k: 1, batch: b, seqLen: t });
    try {
      const all = await big.step(state0, lrs, x, y);
      let s: TrainState = state0;
      const losses: number[] = [];
      for (let i = 0; i < k; i++) {
        const r = await one.step(
          s,
          [lrs[i]!],
          x.subarray(i * b * t, (i + 1) * b * t),
          y.subarray(i * b * t, (i + 1) * b * t),
        );
        losses.push(r.losses[0]!);
        s = r.state;
      }
      expect(all.state.step).toBe(4);
      expect(s.step).toBe(4);
      for (const [i, l] of losses.entries()) expect(Math.abs(all.losses[i]! - l)).toBeLessThan(1e-5);
      for (const name of Object.keys(s.params)) {
        expect(relErr(all.state.params[name]!.data, s.params[name]!.data)).toBeLessThan(1e-6);
        expect(relErr(all.state.m[name]!.data, s.m[name]!.data)).toBeLessThan(1e-5);
        expect(relErr(all.state.v[name]!.data, s.v[name]!.data)).toBeLessThan(1e-5);
      }
    } finally {
      await big.release();
      await one.release();
    }
  });

  test("one step equals graph gradients → float64 clip → float64 AdamW, with clipping active", async () => {
    const config = resolveModelConfig(tiny);
    const [b, t] = [2, 8];
    const { x, y } = batches(Rng.seeded(3), 1, b, t, config.vocabSize);
    const params = initParameters(config, Rng.seeded(4));
    const names = Object.keys(params);
    const hpClip = { ...hp, maxGradNorm: 0.05 };
    const trainer = await createTrainer(config, hpClip, { k: 1, batch: b, seqLen: t });
    try {
      // Start from step 7 with non-zero moments so the bias corrections and moment updates are all exercised.
      const state = initTrainState(params);
      state.step = 7;
      const rng = Rng.seeded(5);
      for (const n of names) {
        state.m[n]!.data.forEach((_, i, a) => {
          a[i] = rng.nextNormal() * 1e-2;
        });
        state.v[n]!.data.forEach((_, i, a) => {
          a[i] = rng.nextFloat() * 1e-4;
        });
      }
      const r = await trainer.step(state, [3e-3], x, y);
      const lg = await lossAndGradients(config, params, { data: x, shape: [b, t] }, { data: y, shape: [b, t] });
      expect(Math.abs(r.losses[0]! - lg.loss)).toBeLessThan(1e-5);
      const clipped = clipReference(
        names.map((n) => lg.grads[n]!.data),
        0.05,
      );
      expect(clipped.norm).toBeGreaterThan(0.05);
      expect(Math.abs(r.gradNorms[0]! - clipped.norm) / clipped.norm).toBeLessThan(1e-5);
      const ref = names.map((n) => Float64Array.from(params[n]!.data));
      const adam = adamwInit(ref);
      adam.m = names.map((n) => Float64Array.from(state.m[n]!.data));
      adam.v = names.map((n) => Float64Array.from(state.v[n]!.data));
      adam.step = 7;
      adamwStepReference(ref, clipped.grads, adam, 3e-3, hpClip);
      for (const [i, n] of names.entries()) {
        expect(relErr(r.state.params[n]!.data, ref[i]!)).toBeLessThan(1e-5);
        expect(relErr(r.state.m[n]!.data, adam.m[i]!)).toBeLessThan(1e-5);
        expect(relErr(r.state.v[n]!.data, adam.v[i]!)).toBeLessThan(1e-5); // clip factor² folded into v
      }
    } finally {
      await trainer.release();
    }
  });

  test("a tiny model overfits one batch (loss < 0.1)", async () => {
    const config = resolveModelConfig({ ...tiny, dModel: 32, numHeads: 4, dFf: 64 });
    const [k, b, t] = [25, 2, 16];
    const rng = Rng.seeded(6);
    const one = batches(rng, 1, b, t, config.vocabSize);
    const x = new Int32Array(k * b * t);
    const y = new Int32Array(k * b * t);
    for (let i = 0; i < k; i++) {
      x.set(one.x, i * b * t);
      y.set(one.y, i * b * t);
    }
    const trainer = await createTrainer(config, { ...hp, weightDecay: 0 }, { k, batch: b, seqLen: t });
    try {
      let state = initTrainState(initParameters(config, Rng.seeded(7)));
      const first: number[] = [];
      let last = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 8 && last >= 0.1; run++) {
        const r = await trainer.step(state, new Array(k).fill(1e-2), x, y);
        if (run === 0) first.push(r.losses[0]!);
        last = r.losses[k - 1]!;
        state = r.state;
      }
      expect(first[0]!).toBeGreaterThan(3); // ≈ ln 40 at init
      expect(last).toBeLessThan(0.1);
    } finally {
      await trainer.release();
    }
  });
});

describe("bad input is rejected before anything runs", () => {
  test("token ids out of range, wrong lengths, sequence longer than the context", async () => {
    const config = resolveModelConfig(tiny);
    const trainer = await createTrainer(config, hp, { k: 2, batch: 1, seqLen: 4 });
    try {
      const state = initTrainState(initParameters(config, Rng.seeded(0)));
      const ok = new Int32Array(8);
      const bad = ok.slice();
      bad[5] = 40;
      await expect(trainer.step(state, [1e-3, 1e-3], bad, ok)).rejects.toThrow(
        /token id 40 at index 5 not in \[0, 40\)/,
      );
      await expect(trainer.step(state, [1e-3], ok, ok)).rejects.toThrow(/expected 2 learning rates/);
      await expect(trainer.step(state, [1e-3, 1e-3], ok.subarray(1), ok)).rejects.toThrow(/must hold k·batch·seqLen/);
    } finally {
      await trainer.release();
    }
    await expect(createTrainer(config, hp, { k: 1, batch: 1, seqLen: 17 })).rejects.toThrow(
      /sequence length 17 exceeds the context length 16/,
    );
    await expect(createTrainer(config, { ...hp, maxGradNorm: -1 }, { k: 1, batch: 1 })).rejects.toThrow(
      /max gradient norm/,
    );
    await expect(createTrainer(config, hp, { k: 0, batch: 1 })).rejects.toThrow(/k \(steps per run\)/);
  });
});
