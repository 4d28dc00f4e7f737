// CS336's test_data.py::test_get_batch through the adapter (runGetBatch): shapes, y = x offset by one, every
// valid start drawn and none invalid, and each start's frequency within 5 sigma of uniform.
import { describe, expect, test } from "bun:test";
import { runGetBatch } from "./adapters.ts";

describe("get_batch (CS336 test_data)", () => {
  test("CS336 get_batch statistics: shapes, offset by one, every start uniform within 5 sigma", () => {
    const dataset = Int32Array.from({ length: 100 }, (_, i) => i);
    const T = 7;
    const B = 32;
    const iters = 1000;
    const counts = new Map<number, number>();
    for (let it = 0; it < iters; it++) {
      const { x, y } = runGetBatch(dataset, B, T, it);
      expect(x.shape).toEqual([B, T]);
      expect(y.shape).toEqual([B, T]);
      for (let i = 0; i < x.data.length; i++) expect(y.data[i]).toBe(x.data[i]! + 1);
      for (let b = 0; b < B; b++) {
        const s = x.data[b * T]!;
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
    }
    const possible = dataset.length - T;
    expect(Math.max(...counts.keys())).toBe(possible - 1);
    expect(Math.min(...counts.keys())).toBe(0);
    expect(counts.size).toBe(possible);
    const expected = (iters * B) / possible;
    const sd = Math.sqrt(iters * B * (1 / possible) * (1 - 1 / possible));
    for (const c of counts.values()) {
      expect(c).toBeGreaterThan(expected - 5 * sd);
      expect(c).toBeLessThan(expected + 5 * sd);
    }
  });
});
