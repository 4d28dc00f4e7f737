// get_batch: CS336's statistics (every valid start, none invalid, frequencies uniform within 5 sigma),
// x/y offset by one, determinism per seed, mmap'd .npy input, and the vocabulary scan's error.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@cs336-ts/model";
import { runGetBatch } from "./support/adapters.ts";
import { getBatch, getBatches } from "../src/data/batch.ts";
import { openNpy, writeNpy } from "../src/data/npy.ts";
import { scanTokenArray, TokenRangeError } from "../src/data/validate.ts";

describe("getBatch", () => {
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

  test("windows are consecutive ids of the dataset (x = data[s..s+T), y = data[s+1..s+T])", () => {
    const rng = Rng.seeded(3);
    const data = Uint16Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    const { x, y } = getBatch(data, 8, 16, rng);
    for (let b = 0; b < 8; b++) {
      const s = data.indexOf(x[b * 16]!);
      for (let t = 0; t < 16; t++) {
        expect(x[b * 16 + t]).toBe(data[s + t]!);
        expect(y[b * 16 + t]).toBe(data[s + t + 1]!);
      }
    }
  });

  test("deterministic for a seed, different across seeds, and the generator state resumes the stream", () => {
    const data = Int32Array.from({ length: 1000 }, (_, i) => i);
    expect(runGetBatch(data, 4, 8, 42).x.data).toEqual(runGetBatch(data, 4, 8, 42).x.data);
    expect(runGetBatch(data, 4, 8, 42).x.data).not.toEqual(runGetBatch(data, 4, 8, 43).x.data);
    const a = Rng.seeded(9);
    const straight = getBatches(data, 4, 2, 8, a);
    const b = Rng.seeded(9);
    const first = getBatches(data, 2, 2, 8, b);
    const resumed = getBatches(data, 2, 2, 8, Rng.fromState(b.state()));
    expect([...first.x, ...resumed.x]).toEqual([...straight.x]);
  });

  test("the smallest dataset (T+1 ids) has exactly one window; shorter ones are refused", () => {
    const data = Int32Array.from([5, 6, 7, 8]);
    const { x, y } = getBatch(data, 3, 3, Rng.seeded(0));
    expect([...x]).toEqual([5, 6, 7, 5, 6, 7, 5, 6, 7]);
    expect([...y]).toEqual([6, 7, 8, 6, 7, 8, 6, 7, 8]);
    expect(() => getBatch(data, 1, 4, Rng.seeded(0))).toThrow(/holds 4 tokens.*context length \+ 1 = 5/);
  });

  test("reads a memory-mapped uint16 .npy", () => {
    const dir = mkdtempSync(join(tmpdir(), "batch-"));
    const path = join(dir, "ids.npy");
    writeNpy(
      path,
      Uint16Array.from({ length: 300 }, (_, i) => 60000 + i * 10),
    );
    const { data } = openNpy(path);
    const { x, y } = runGetBatch(data, 2, 5, 1);
    expect(y.data[0]! - x.data[0]!).toBe(10);
    expect(x.data[0]!).toBeGreaterThanOrEqual(60000);
  });
});

describe("scanTokenArray", () => {
  test("passes when every id is below the vocab size and reports the max", () => {
    const data = Uint16Array.from({ length: 200_000 }, (_, i) => i % 1000);
    expect(scanTokenArray(data, 1000, "x.npy")).toEqual({ length: 200_000, maxId: 999 });
    // uint16 ids always fit a vocabulary above 65535: the scan is skipped.
    expect(scanTokenArray(data, 70_000, "x.npy")).toEqual({ length: 200_000, maxId: -1 });
  });

  test("names the first offending position and value and how to fix it", () => {
    const data = new Uint32Array(150_000).fill(3);
    data[123_456] = 70_000;
    data[140_000] = 80_000;
    expect(() => scanTokenArray(data, 10_000, "train.npy")).toThrow(TokenRangeError);
    expect(() => scanTokenArray(data, 10_000, "train.npy")).toThrow(
      /train\.npy: token id 70000 at position 123456 is not in \[0, 10000\).*--vocab-size .*largest id is 80000, so at least 80001/,
    );
  });

  test("negative int32 ids are refused", () => {
    expect(() => scanTokenArray(Int32Array.from([1, -2]), 10, "v.npy")).toThrow(/token id -2 at position 1/);
  });
});
