// The seeded generator (src/random.ts): same seed gives the same stream, state() survives a JSON round trip,
// uniform floats and nextInt (bounds above 2^32 too) stay in range and spread evenly, normals have mean 0 and
// variance 1 over 40,000 draws, and truncated normals never pass their cut.
import { describe, expect, test } from "bun:test";
import { Rng } from "../src/random.ts";

describe("Rng", () => {
  test("same seed, same stream; different seeds differ", () => {
    const a = Rng.seeded(42);
    const b = Rng.seeded(42);
    const c = Rng.seeded(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(sa);
  });

  test("state() / fromState() resume the exact stream through JSON", () => {
    const a = Rng.seeded(7);
    for (let i = 0; i < 100; i++) a.nextNormal();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = Rng.fromState(saved);
    for (let i = 0; i < 50; i++) expect(b.nextFloat()).toBe(a.nextFloat());
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all zeros/);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/four uint32/);
  });

  test("uniform floats lie in [0, 1) with mean 1/2", () => {
    const r = Rng.seeded(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = r.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
  });

  test("nextInt covers [0, n) evenly, including bounds above 2^32", () => {
    const r = Rng.seeded(2);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 14000; i++) counts[r.nextInt(7)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    const big = 2 ** 40 + 3;
    for (let i = 0; i < 100; i++) {
      const v = r.nextInt(big);
      expect(Number.isInteger(v) && v >= 0 && v < big).toBe(true);
    }
    expect(() => r.nextInt(0)).toThrow(/positive integer/);
  });

  test("normals have mean 0 and variance 1; truncation respects the cut", () => {
    const r = Rng.seeded(3);
    let s = 0;
    let s2 = 0;
    const n = 40000;
    for (let i = 0; i < n; i++) {
      const z = r.nextNormal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
    for (let i = 0; i < 5000; i++) expect(Math.abs(r.nextTruncatedNormal(2, 1))).toBeLessThanOrEqual(1);
  });
});
