// A state a step returned is released (detached) once a later step from it has succeeded, so a training process
// holds two states at most: stepping from it again is refused with the fix, the caller's own arrays are never
// touched, results are the same as from untouched copies, and a run that fails releases and changes nothing.
import { describe, expect, test } from "bun:test";
import { resolveModelConfig } from "../src/config.ts";
import type { ParamMap } from "../src/host-tensors.ts";
import { initParameters } from "../src/init.ts";
import { Rng } from "../src/random.ts";
import { createTrainer, initTrainState, type TrainState } from "../src/train/trainer.ts";

const config = resolveModelConfig({ vocabSize: 40, contextLength: 8, dModel: 16, numLayers: 1, numHeads: 2, dFf: 24 });
const hp = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1.0 };
const [k, b, t] = [2, 2, 8];
const lrs = [2e-3, 1e-3];

function ids(seed: number): Int32Array {
  const rng = Rng.seeded(seed);
  return Int32Array.from({ length: k * b * t }, () => rng.nextInt(config.vocabSize));
}

const copyMap = (m: ParamMap): ParamMap =>
  Object.fromEntries(Object.entries(m).map(([n, x]) => [n, { data: x.data.slice(), shape: [...x.shape] }]));
const copyState = (s: TrainState): TrainState => ({
  params: copyMap(s.params),
  m: copyMap(s.m),
  v: copyMap(s.v),
  step: s.step,
});
const arrays = (s: TrainState) => [s.params, s.m, s.v].flatMap((m) => Object.values(m).map((x) => x.data));

describe("train state release", () => {
  test("a returned state is released after the next step from it; the caller's own state is not", async () => {
    const trainer = await createTrainer(config, hp, { k, batch: b, seqLen: t });
    try {
      const s0 = initTrainState(initParameters(config, Rng.seeded(1)));
      const before = copyState(s0);
      const r1 = await trainer.step(s0, lrs, ids(2), ids(3));
      // The caller's arrays: still whole and unchanged (the run never writes into its inputs).
      for (const [i, a] of arrays(s0).entries()) expect(a).toEqual(arrays(before)[i]!);
      const kept = copyState(r1.state);
      const r2 = await trainer.step(r1.state, lrs, ids(4), ids(5));
      expect(arrays(r1.state).every((a) => a.length === 0)).toBe(true);
      expect(arrays(r2.state).every((a) => a.length > 0)).toBe(true);
      await expect(trainer.step(r1.state, lrs, ids(4), ids(5))).rejects.toThrow(
        /params: "token_embeddings.weight" was released by an earlier step.*pass the state the last step returned/,
      );
      // Releasing changes nothing computed: the same step from an untouched copy gives the same bits.
      const again = await trainer.step(kept, lrs, ids(4), ids(5));
      expect(again.losses).toEqual(r2.losses);
      expect(again.gradNorms).toEqual(r2.gradNorms);
      for (const [i, a] of arrays(again.state).entries()) expect(a).toEqual(arrays(r2.state)[i]!);
    } finally {
      await trainer.release();
    }
  });

  test("a run that fails releases nothing and leaves the state as it was, so training can go on from it", async () => {
    const failing = await createTrainer(config, hp, { k, batch: b, seqLen: t });
    const trainer = await createTrainer(config, hp, { k, batch: b, seqLen: t });
    try {
      const r1 = await failing.step(initTrainState(initParameters(config, Rng.seeded(1))), lrs, ids(2), ids(3));
      const kept = copyState(r1.state);
      await failing.release(); // its session is gone: the next run throws from ONNX Runtime's binding
      await expect(failing.step(r1.state, lrs, ids(4), ids(5))).rejects.toThrow(/disposed/);
      for (const [i, a] of arrays(r1.state).entries()) expect(a).toEqual(arrays(kept)[i]!);
      const r2 = await trainer.step(r1.state, lrs, ids(4), ids(5));
      const ref = await trainer.step(kept, lrs, ids(4), ids(5));
      expect(r2.losses).toEqual(ref.losses);
      expect(r2.state.step).toBe(2 * k);
    } finally {
      await trainer.release();
    }
  });
});
