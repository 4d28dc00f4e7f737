// Host-side optimization pieces against CS336's values and the PyTorch float64 reference:
// the cosine schedule, and the float64 AdamW / clipping references that the in-graph versions are tested by.
import { describe, expect, test } from "bun:test";
import { adamwInit, adamwStepReference, clipReference } from "./support/reference-optim.ts";
import { cosineLr, validateSchedule } from "../src/optim/schedule.ts";
import { loadReference, referenceValues, relErr } from "@cs336-ts/testkit";

const optim = await loadReference("optim");
const get = (name: string) => referenceValues(optim, name);

// CS336 tests/test_optimizer.py::test_get_lr_cosine_schedule.
const CS336_LRS = [
  0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143,
  0.8571428571428571, 1.0, 0.9887175604818206, 0.9554359905560885, 0.9018241671106134, 0.8305704108364301,
  0.7452476826029011, 0.6501344202803414, 0.55, 0.44986557971965857, 0.3547523173970989, 0.26942958916356996,
  0.19817583288938662, 0.14456400944391146, 0.11128243951817937, 0.1, 0.1, 0.1, 0.1,
];

describe("cosine schedule", () => {
  test("CS336's expected values", () => {
    const s = { maxLearningRate: 1, minLearningRate: 0.1, warmupIters: 7, cosineCycleIters: 21 };
    for (const [it, want] of CS336_LRS.entries()) expect(cosineLr(it, s)).toBeCloseTo(want, 12);
  });
  test("no cosine phase (cycle == warmup): max at the end of warmup, min after it, never NaN", () => {
    const s = { maxLearningRate: 1, minLearningRate: 0.1, warmupIters: 5, cosineCycleIters: 5 };
    expect([4, 5, 6].map((it) => cosineLr(it, s))).toEqual([0.8, 1, 0.1]);
    const noWarmup = { ...s, warmupIters: 0, cosineCycleIters: 0 };
    expect([0, 1].map((it) => cosineLr(it, noWarmup))).toEqual([1, 0.1]);
  });
  test("bad schedules are rejected", () => {
    expect(() =>
      validateSchedule({ maxLearningRate: 1, minLearningRate: 2, warmupIters: 1, cosineCycleIters: 5 }),
    ).toThrow(/min learning rate/);
    expect(() =>
      validateSchedule({ maxLearningRate: 1, minLearningRate: 0, warmupIters: 5, cosineCycleIters: 5 }),
    ).toThrow(/greater than warmup/);
  });
});

describe("float64 references", () => {
  test("AdamW: the 1000-step Linear(3,2) problem", () => {
    const w = [Float64Array.from(get("linear.w0"))];
    const xs = get("linear.xs");
    const state = adamwInit(w);
    const hp = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    for (let s = 0; s < 1000; s++) {
      const x = [xs[3 * s]!, xs[3 * s + 1]!, xs[3 * s + 2]!];
      const y = [x[0]! + x[1]!, -x[2]!];
      const W = w[0]!;
      const g = new Float64Array(6);
      for (let o = 0; o < 2; o++) {
        const r = W[3 * o]! * x[0]! + W[3 * o + 1]! * x[1]! + W[3 * o + 2]! * x[2]! - y[o]!;
        for (let i = 0; i < 3; i++) g[3 * o + i] = 2 * r * x[i]!;
      }
      adamwStepReference(w, [g], state, 1e-3, hp);
    }
    expect(relErr(w[0]!, get("linear.w1000"))).toBeLessThan(1e-5);
  });

  test("AdamW: per-step learning rates on two tensors", () => {
    const p = [Float64Array.from(get("multi.p0.0")), Float64Array.from(get("multi.p0.1"))];
    const lrs = get("multi.lrs");
    const state = adamwInit(p);
    for (let s = 0; s < 5; s++) {
      adamwStepReference(p, [get(`multi.grad.${s}.0`), get(`multi.grad.${s}.1`)], state, lrs[s]!, {
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weightDecay: 0.1,
      });
      for (let i = 0; i < 2; i++) expect(relErr(p[i]!, get(`multi.p.${s}.${i}`))).toBeLessThan(1e-6);
    }
  });

  test("clipping to 0.01 scales; to 1e6 leaves unchanged", () => {
    const grads = [0, 1, 2, 3, 4].map((i) => get(`clip.grad.${i}`));
    const small = clipReference(grads, 0.01);
    const big = clipReference(grads, 1e6);
    for (let i = 0; i < 5; i++) {
      expect(relErr(small.grads[i]!, get(`clip.0.01.${i}`))).toBeLessThan(1e-6);
      expect(relErr(big.grads[i]!, get(`clip.1e+06.${i}`))).toBeLessThan(1e-7);
    }
  });
});
