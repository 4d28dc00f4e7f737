// trainBpe on the native backend against WASM on the training conformance corpora: identical merges and
// vocab for files counted by 0-4 native counters over ranges of several sizes, for bytes input, and for
// several files; the same progress events' shape and stats; the same errors (code and message) for
// invalid UTF-8, an unreachable vocab size and bad special tokens. Skipped, with the build command, when
// the addon is absent.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Merges, type TrainProgress, trainBpeOn, type Vocab } from "../ts/train.ts";
import { nativeMissing } from "./support/native-backend.ts";
import { CORPORA } from "./support/train-corpora.ts";

const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), "tok-native-train-"));

const asArrays = (r: { vocab: Vocab; merges: Merges }) => ({
  merges: r.merges.map(([x, y]) => [[...x], [...y]]),
  vocab: [...r.vocab].map(([i, t]) => [i, [...t]]),
});

/** What `p` rejects with, as `name [code]: message`. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => "nothing thrown",
    (e: Error & { code?: string }) => `${e.name} [${e.code}]: ${e.message}`,
  );

describe.skipIf(nativeMissing !== undefined)("native trainBpe matches WASM", () => {
  CORPORA.forEach((c, ci) => {
    test(`${c.name}: files with 0-4 counters, bytes, and the corpus split over two files`, async () => {
      const opts = { vocabSize: c.vocab, specialTokens: c.specials };
      const want = asArrays(await trainBpeOn("wasm", { ...opts, input: enc.encode(c.text), workers: 0 }));
      const path = join(dir, `corpus-${ci}.txt`);
      writeFileSync(path, c.text);
      for (let workers = 0; workers <= 4; workers++) {
        for (const chunkBytes of [257, 1000 + 997 * workers, undefined]) {
          const got = await trainBpeOn("native", { ...opts, input: path, workers, chunkBytes });
          expect(asArrays(got)).toEqual(want);
        }
      }
      expect(asArrays(await trainBpeOn("native", { ...opts, input: enc.encode(c.text), workers: 2 }))).toEqual(want);
      // Two files are two documents on both backends.
      const half = c.text.lastIndexOf(" ", c.text.length >> 1) + 1;
      const parts = [c.text.slice(0, half), c.text.slice(half)].map((t, i) => {
        const p = join(dir, `corpus-${ci}-${i}.txt`);
        writeFileSync(p, t);
        return p;
      });
      const wasmTwo = asArrays(await trainBpeOn("wasm", { ...opts, input: parts, workers: 2, chunkBytes: 300 }));
      expect(asArrays(await trainBpeOn("native", { ...opts, input: parts, workers: 3, chunkBytes: 300 }))).toEqual(
        wasmTwo,
      );
    });
  });

  test("progress: pretokenize bytes up to the total, then merges, as on WASM; stats", async () => {
    const c = CORPORA[0] as (typeof CORPORA)[0];
    const path = join(dir, "progress.txt");
    writeFileSync(path, c.text);
    const events: TrainProgress[] = [];
    const r = await trainBpeOn("native", {
      input: path,
      vocabSize: c.vocab,
      specialTokens: c.specials,
      workers: 2,
      chunkBytes: 500,
      onProgress: (p) => events.push(p),
    });
    const pre = events.filter((e) => e.phase === "pretokenize");
    const merge = events.filter((e) => e.phase === "merge");
    expect(pre.length).toBeGreaterThan(2);
    expect(pre.at(-1)).toMatchObject({ bytesDone: c.text.length, bytesTotal: c.text.length });
    expect(merge.at(-1)).toMatchObject({ mergesDone: r.merges.length, mergesTotal: r.merges.length });
    expect(events.findIndex((e) => e.phase === "merge")).toBe(pre.length);
    expect(r.stats).toMatchObject({ bytes: c.text.length, workers: 2 });
    expect(r.stats.distinctPretokens).toBeGreaterThan(0);
    expect(Object.keys(r.stats).sort()).toEqual(
      ["bytes", "distinctPretokens", "mergeSeconds", "pretokenizeSeconds", "workers"].sort(),
    );
  });

  test("an onProgress that throws rejects trainBpe with its error, on both backends, for 0-3 counters", async () => {
    const path = join(dir, "progress-throws.txt");
    writeFileSync(path, "hello world, the cat sat. ".repeat(4000));
    const boom = new Error("progress callback failed");
    for (const [backend, workers] of [0, 1, 3].flatMap((w) => [["wasm", w] as const, ["native", w] as const])) {
      const settled = trainBpeOn(backend, {
        input: path,
        vocabSize: 270,
        workers,
        chunkBytes: 10_000,
        onProgress: (p) => {
          if (p.phase === "pretokenize") throw boom;
        },
      }).then(
        () => "resolved",
        (e) => (e === boom ? "rejected with it" : `rejected with ${e}`),
      );
      // A Promise that never settles is the failure being guarded against: report it instead of waiting.
      const pending = new Promise<string>((r) => setTimeout(() => r("still pending after 10 s"), 10_000).unref());
      const got = await Promise.race([settled, pending]);
      expect({ backend, workers, got }).toEqual({ backend, workers, got: "rejected with it" });
    }
  }, 60_000);

  test("a file removed while its ranges are counted: an input error naming it once", async () => {
    const path = join(dir, "removed.txt");
    writeFileSync(path, "hello world, the cat sat. ".repeat(4000));
    let removed = false;
    const got = await failure(
      trainBpeOn("native", {
        input: path,
        vocabSize: 270,
        workers: 1,
        chunkBytes: 10_000,
        onProgress: (p) => {
          if (p.phase !== "pretokenize" || removed) return;
          rmSync(path);
          removed = true;
        },
      }),
    );
    expect(got).toBe(`TokenizerError [input]: cannot read ${path}: file not found`);
  });

  test("the same errors: invalid UTF-8 (file and offset), too large a vocab, bad specials, missing file", async () => {
    const text = "hello world ".repeat(300);
    const bytes = enc.encode(text);
    bytes[2001] = 0xff;
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, bytes);
    const want = await failure(trainBpeOn("wasm", { input: bad, vocabSize: 300, workers: 2, chunkBytes: 400 }));
    expect(want).toMatch(/^TokenizerError \[invalid_utf8\]: .*bad\.txt.*2001/);
    for (const workers of [0, 1, 3]) {
      expect(await failure(trainBpeOn("native", { input: bad, vocabSize: 300, workers, chunkBytes: 400 }))).toBe(want);
    }
    const cases = [
      { input: enc.encode("ab ab"), vocabSize: 400 },
      { input: enc.encode("ab ab"), vocabSize: 300, specialTokens: ["<x>", "<x>"] },
      { input: enc.encode("ab ab"), vocabSize: 300, specialTokens: [""] },
      { input: join(dir, "missing.txt"), vocabSize: 300 },
      { input: new Uint8Array(0), vocabSize: 300 },
      { input: Uint8Array.of(0x61, 0x20, 0xff, 0x62), vocabSize: 300 },
    ];
    for (const opts of cases) {
      const w = await failure(trainBpeOn("wasm", opts));
      expect(w).not.toBe("nothing thrown");
      expect(await failure(trainBpeOn("native", opts))).toBe(w);
    }
  });
});
