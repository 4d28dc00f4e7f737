// get_batch: windows of consecutive ids, determinism per seed, the smallest dataset, mmap'd .npy input, and
// the vocabulary scan's error. CS336's statistics test goes through the adapter in tests/get-batch.test.ts.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@cs336-ts/model";
import { getBatch, getBatches } from "../src/data/batch.ts";
import { openNpy, writeNpy } from "../src/data/npy.ts";
import { scanTokenArray, TokenRangeError } from "../src/data/validate.ts";

describe("getBatch", () => {
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
    const seeded = (seed: number) => getBatch(data, 4, 8, Rng.seeded(seed)).x;
    expect(seeded(42)).toEqual(seeded(42));
    expect(seeded(42)).not.toEqual(seeded(43));
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
    const { x, y } = getBatch(data, 2, 5, Rng.seeded(1));
    expect(y[0]! - x[0]!).toBe(10);
    expect(x[0]!).toBeGreaterThanOrEqual(60000);
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
