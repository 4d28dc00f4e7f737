// Bad input to trainBpe: each case fails with a message that says what is wrong and how to fix it.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainBpe } from "../ts/train.ts";

const dir = mkdtempSync(join(tmpdir(), "train-errors-"));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

describe("trainBpe rejects bad input", () => {
  const ok = file("ok.txt", "hello world, hello there");
  test("missing file", () =>
    expect(trainBpe({ input: join(dir, "nope.txt"), vocabSize: 300 })).rejects.toThrow(
      /cannot read input file .*nope.txt: file not found/,
    ));
  test("empty file", () =>
    expect(trainBpe({ input: file("empty.txt", ""), vocabSize: 300 })).rejects.toThrow(/is empty/));
  test("vocab too small", () =>
    expect(trainBpe({ input: ok, vocabSize: 256, specialTokens: ["<|e|>"] })).rejects.toThrow(
      "at least 257 (256 byte tokens + 1 special token)",
    ));
  test("one-byte special token (it would duplicate a byte token in vocab.json)", () =>
    expect(trainBpe({ input: ok, vocabSize: 300, specialTokens: ["x"] })).rejects.toThrow(
      /"x" is a single byte, which is already byte token 120/,
    ));
  test("empty special token", () =>
    expect(trainBpe({ input: ok, vocabSize: 300, specialTokens: [""] })).rejects.toThrow("empty"));
  test("duplicate special tokens", () =>
    expect(trainBpe({ input: ok, vocabSize: 300, specialTokens: ["<a>", "<a>"] })).rejects.toThrow(
      "given twice; list each special token once",
    ));
  test("vocab larger than the data allows", () =>
    expect(trainBpe({ input: ok, vocabSize: 1000 })).rejects.toThrow(/allows only \d+ .*at most \d+/));
  test("invalid UTF-8 names the byte offset (in-thread and in a Worker)", async () => {
    const bad = file("bad.txt", new Uint8Array([...new TextEncoder().encode("abc.def "), 0xc3, 0x28, 0x41]));
    await expect(trainBpe({ input: bad, vocabSize: 260, workers: 0 })).rejects.toThrow(/bad.txt: .*byte offset 8/);
    await expect(trainBpe({ input: bad, vocabSize: 260, workers: 1, chunkBytes: 4 })).rejects.toThrow(
      /bad.txt: .*byte offset 8/,
    );
  });
  test("invalid UTF-8 in one of several inputs names that file, with Workers", async () => {
    const good = file("good.txt", "plain text here. ".repeat(50));
    const bad = file("bad2.txt", new Uint8Array([...new TextEncoder().encode("abc.def "), 0xff, 0x41]));
    for (const workers of [0, 1, 2]) {
      await expect(trainBpe({ input: [good, bad, good], vocabSize: 260, workers, chunkBytes: 16 })).rejects.toThrow(
        /bad2.txt: .*byte offset 8/,
      );
    }
  });
});
