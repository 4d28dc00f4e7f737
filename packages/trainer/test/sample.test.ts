// Sampling: temperature → 0 is greedy, top-k keeps the k most likely ids, top-p keeps exactly the smallest
// set reaching p (ties by lower id; after top-k, of the renormalized rest), and seeded draws follow the
// filtered distribution. Reference: CS336 assignment 1 §6 (decoding).
import { describe, expect, test } from "bun:test";
import { Rng } from "@cs336-ts/model";
import fc from "fast-check";
import {
  argmax,
  nucleus,
  sampleToken,
  samplingDistribution,
  softmaxWithTemperature,
  topK,
} from "../src/inference/sample.ts";

const logitsOf = (probs: number[]) => probs.map((p) => Math.log(p));

describe("greedy", () => {
  test("temperature 0 and temperatures approaching 0 pick the argmax", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 50,
        }),
        fc.integer(),
        (row, seed) => {
          const logits = Float32Array.from(row);
          const best = argmax(logits);
          const rng = Rng.seeded(seed);
          expect(sampleToken(logits, { temperature: 0, topP: 1 }, rng)).toBe(best);
          expect(sampleToken(logits, { temperature: 0, topP: 0.3 }, rng)).toBe(best);
          // A unique maximum is the only token left once T is small enough for the gap to dominate.
          const sorted = [...logits].sort((a, b) => b - a);
          const gap = (sorted[0] as number) - (sorted[1] ?? Number.NEGATIVE_INFINITY);
          if (gap > 1e-3) expect(sampleToken(logits, { temperature: 1e-5, topP: 1 }, rng)).toBe(best);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("ties go to the lowest id", () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(sampleToken([0, 5, 5], { temperature: 0, topP: 1 }, Rng.seeded(1))).toBe(1);
  });

  test("greedy consumes no randomness", () => {
    const rng = Rng.seeded(7);
    const before = rng.state();
    sampleToken([1, 2, 3], { temperature: 0, topP: 1 }, rng);
    expect(rng.state()).toEqual(before);
  });
});

describe("top-p", () => {
  test("keeps the smallest set whose mass reaches p", () => {
    const probs = Float64Array.from([0.1, 0.5, 0.15, 0.25]);
    expect([...nucleus(probs, 0.5)]).toEqual([1]);
    expect([...nucleus(probs, 0.5000001)]).toEqual([1, 3]);
    expect([...nucleus(probs, 0.75)]).toEqual([1, 3]);
    expect([...nucleus(probs, 0.76)]).toEqual([1, 3, 2]);
    expect([...nucleus(probs, 0.9)]).toEqual([1, 3, 2]);
    expect([...nucleus(probs, 0.95)]).toEqual([1, 3, 2, 0]);
    expect([...nucleus(probs, 1)].sort()).toEqual([0, 1, 2, 3]);
  });

  test("ties at the boundary are broken by lower id, deterministically", () => {
    const probs = Float64Array.from([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect([...nucleus(probs, 0.3)]).toEqual([0, 1]);
    expect([...nucleus(probs, 0.6)]).toEqual([0, 1, 2]);
    const mixed = Float64Array.from([0.1, 0.3, 0.1, 0.3, 0.2]);
    expect([...nucleus(mixed, 0.5)]).toEqual([1, 3]);
    expect([...nucleus(mixed, 0.85)]).toEqual([1, 3, 4, 0]);
  });

  test("property: the kept set reaches p and dropping its smallest member would not", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (weights, p) => {
          const total = weights.reduce((a, b) => a + b, 0);
          const probs = Float64Array.from(weights.map((w) => w / total));
          const kept = [...nucleus(probs, p)];
          const mass = kept.reduce((a, id) => a + (probs[id] as number), 0);
          expect(mass).toBeGreaterThanOrEqual(p * (1 - 1e-9));
          expect(mass - (probs[kept.at(-1) as number] as number)).toBeLessThan(p);
          // Every kept token is at least as likely as every dropped one.
          const minKept = Math.min(...kept.map((id) => probs[id] as number));
          const dropped = [...probs.keys()].filter((id) => !kept.includes(id));
          for (const id of dropped) expect(probs[id] as number).toBeLessThanOrEqual(minKept);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("the filtered distribution is renormalized and zero outside the nucleus", () => {
    const dist = samplingDistribution(logitsOf([0.1, 0.5, 0.15, 0.25]), { temperature: 1, topP: 0.7 });
    expect(dist[0]).toBe(0);
    expect(dist[2]).toBe(0);
    expect(dist[1]).toBeCloseTo(0.5 / 0.75, 12);
    expect(dist[3]).toBeCloseTo(0.25 / 0.75, 12);
  });
});

describe("top-k", () => {
  test("keeps the k most likely ids (ties by lower id), renormalized", () => {
    const probs = [0.1, 0.3, 0.05, 0.3, 0.25];
    expect([...topK(Float64Array.from(probs), 3)]).toEqual([1, 3, 4]);
    expect([...topK(Float64Array.from(probs), 2)]).toEqual([1, 3]);
    const dist = samplingDistribution(logitsOf(probs), { temperature: 1, topP: 1, topK: 3 });
    expect([dist[0], dist[2]]).toEqual([0, 0]);
    expect(dist[1]).toBeCloseTo(0.3 / 0.85, 12);
    expect(dist[4]).toBeCloseTo(0.25 / 0.85, 12);
    // 0 and k >= V keep everything.
    const all = samplingDistribution(logitsOf(probs), { temperature: 1, topP: 1 });
    expect(samplingDistribution(logitsOf(probs), { temperature: 1, topP: 1, topK: 0 })).toEqual(all);
    expect(samplingDistribution(logitsOf(probs), { temperature: 1, topP: 1, topK: 9 })).toEqual(all);
  });

  test("top-p applies to what top-k kept, renormalized; k = 1 is greedy", () => {
    // After k = 3: 0.3/0.85, 0.3/0.85, 0.25/0.85 = 0.353, 0.353, 0.294. p = 0.7 needs the first two
    // (0.706); on the unfiltered distribution 0.6 < 0.7 would have needed the third as well.
    const probs = [0.1, 0.3, 0.05, 0.3, 0.25];
    const dist = samplingDistribution(logitsOf(probs), { temperature: 1, topP: 0.7, topK: 3 });
    expect([...dist].map((q) => Number(q.toFixed(12)))).toEqual([0, 0.5, 0, 0.5, 0]);
    const rng = Rng.seeded(3);
    const logits = logitsOf([0.2, 0.25, 0.5, 0.05]);
    for (let i = 0; i < 50; i++) expect(sampleToken(logits, { temperature: 1.5, topP: 1, topK: 1 }, rng)).toBe(2);
  });

  test("a negative or fractional k is refused", () => {
    const rng = Rng.seeded(0);
    expect(() => sampleToken([1, 2], { temperature: 1, topP: 1, topK: -1 }, rng)).toThrow(
      /top-k must be an integer >= 0/,
    );
    expect(() => sampleToken([1, 2], { temperature: 1, topP: 1, topK: 1.5 }, rng)).toThrow(/top-k/);
  });
});

describe("distribution", () => {
  test("temperature sharpens and flattens as expected", () => {
    const logits = [1, 2, 3];
    const cold = softmaxWithTemperature(logits, 0.5);
    const warm = softmaxWithTemperature(logits, 2);
    expect(cold[2] as number).toBeGreaterThan(warm[2] as number);
    // softmax(x / T) == softmax(x * (1/T)): exact closed form for T = 0.5.
    const z = Math.exp(2) + Math.exp(4) + Math.exp(6);
    expect(cold[0]).toBeCloseTo(Math.exp(2) / z, 14);
  });

  test("seeded draws match the filtered probabilities (chi-square) and repeat for the same seed", () => {
    const probs = [0.05, 0.4, 0.1, 0.3, 0.15];
    const opts = { temperature: 1, topP: 0.8 };
    const expected = samplingDistribution(logitsOf(probs), opts);
    const n = 20_000;
    const counts = new Array(probs.length).fill(0);
    const rng = Rng.seeded(1234);
    for (let i = 0; i < n; i++) counts[sampleToken(logitsOf(probs), opts, rng)]++;
    expect(counts[0]).toBe(0);
    expect(counts[2]).toBe(0);
    let chi2 = 0;
    for (let i = 0; i < probs.length; i++) {
      const e = (expected[i] as number) * n;
      if (e > 0) chi2 += (counts[i] - e) ** 2 / e;
    }
    // 3 non-zero cells → 2 degrees of freedom; 13.8 is the 0.999 quantile.
    expect(chi2).toBeLessThan(13.8);
    const again = Rng.seeded(1234);
    const first = Array.from({ length: 50 }, () => sampleToken(logitsOf(probs), opts, again));
    const replay = Rng.seeded(1234);
    expect(Array.from({ length: 50 }, () => sampleToken(logitsOf(probs), opts, replay))).toEqual(first);
  });

  test("bad options and logits are rejected with a clear message", () => {
    const rng = Rng.seeded(0);
    expect(() => sampleToken([1, 2], { temperature: -1, topP: 1 }, rng)).toThrow(/temperature must be/);
    expect(() => sampleToken([1, 2], { temperature: 1, topP: 0 }, rng)).toThrow(/top-p must be in \(0, 1\]/);
    expect(() => sampleToken([1, 2], { temperature: 1, topP: 1.5 }, rng)).toThrow(/top-p/);
    expect(() => sampleToken([Number.NaN, 2], { temperature: 1, topP: 1 }, rng)).toThrow(/finite/);
  });
});
