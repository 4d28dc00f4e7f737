// Limits of parallel work and of WASM memory (issue 11, items 7 and 11): with several Workers the
// invalid-UTF-8 error is the earliest chunk's (the first bad byte), whichever Worker fails first;
// --workers is bounded and never exceeds the number of chunks; pointers the core returns above 2 GiB are
// read as unsigned; work that cannot fit the 4 GiB WASM memory is refused up front with what to do.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFile, saveTokenizerFiles, TokenizerError, trainBpe } from "@cs336-ts/tokenizer";
import { maxWorkers } from "../ts/worker-thread.ts";
import { checkUncutStretch } from "../ts/train.ts";
import { WASM_MEMORY_LIMIT, WasmInstance, wasmMemoryNeeded } from "../ts/wasm.ts";

const dir = mkdtempSync(join(tmpdir(), "tok-limits-"));
const enc = new TextEncoder();
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i % 97} and more, `).join("");

describe("the earliest bad byte wins with Workers", () => {
  test("training: a bad byte at the end of a big first file beats one at the start of a small second", async () => {
    const first = join(dir, "first.txt");
    const second = join(dir, "second.txt");
    const body = enc.encode(words(700_000)); // ~12 MB: its Worker copies and validates it while the other fails
    writeFileSync(first, Buffer.concat([body, Buffer.from([0xff])]));
    writeFileSync(second, Buffer.concat([Buffer.from([0xfe]), Buffer.from(" tail")]));
    const e = await trainBpe({ input: [first, second], vocabSize: 300, workers: 2, chunkBytes: 64 << 20 }).catch(
      (x) => x,
    );
    expect(e).toBeInstanceOf(TokenizerError);
    expect((e as Error).message).toContain(`${first}: input is not valid UTF-8 at byte offset ${body.length}`);
  });

  test("encodeFile: the first range's bad byte, not a later range's that fails sooner", async () => {
    const tokDir = join(dir, "tok");
    const { vocab, merges } = await trainBpe({ input: enc.encode(words(2000)), vocabSize: 300 });
    saveTokenizerFiles(tokDir, vocab, merges);
    const half = enc.encode(words(300_000)); // ~5 MB in range 0, a little in range 1
    const input = join(dir, "two-bad.txt");
    // Range 0 has a bad byte near its end (met once ~5 MB are encoded, block by block); range 1 has one
    // 200 bytes in (met at once). The range boundary falls at the first safe cut past half.length.
    const first = half.length - 10;
    const second = half.length + 200;
    const bytes = Buffer.concat([half, enc.encode(words(2000))]);
    bytes[first] = 0xff;
    bytes[second] = 0xfe;
    writeFileSync(input, bytes);
    const e = await encodeFile({
      input,
      tokenizerDir: tokDir,
      workers: 2,
      rangeBytes: half.length,
      blockBytes: 1 << 16,
      onIds: () => {},
    }).catch((x) => x);
    expect(e).toBeInstanceOf(TokenizerError);
    expect((e as Error).message).toContain(`byte offset ${first}`);
  });
});

describe("--workers is bounded", () => {
  const limit = maxWorkers();
  test("the bound is 4 per CPU, at most 256", () => {
    expect(limit).toBe(Math.min(256, 4 * availableParallelism()));
  });
  test("more Workers than the bound is refused with the bound and the reason", async () => {
    const input = join(dir, "small.txt");
    writeFileSync(input, words(100));
    await expect(trainBpe({ input, vocabSize: 260, workers: limit + 1 })).rejects.toThrow(
      `workers must be at most ${limit}`,
    );
    await expect(encodeFile({ input, tokenizerDir: join(dir, "tok"), workers: 1000, onIds: () => {} })).rejects.toThrow(
      `workers must be at most ${limit}`,
    );
  });
  test("never more Workers than chunks", async () => {
    const input = join(dir, "one-chunk.txt");
    writeFileSync(input, words(200));
    const r = await trainBpe({ input, vocabSize: 270, workers: Math.min(limit, 6) });
    expect(r.stats.workers).toBe(1);
  });
});

describe("WASM memory: pointers are unsigned and 4 GiB is the limit", () => {
  test("a result pointer above 2 GiB (negative as an i32) reads the right bytes", () => {
    const at = 2 ** 31 + 64;
    const buffer = new ArrayBuffer(at + 64);
    new Uint8Array(buffer, at, 3).set([7, 8, 9]);
    const fake = {
      memory: { buffer },
      result_ptr: () => at | 0,
      result_len: () => 3,
      last_error_ptr: () => at | 0,
      last_error_len: () => 0,
      last_error_code: () => 8,
      alloc: () => (at + 8) | 0,
      dealloc: () => {},
    };
    const w = (WasmInstance as unknown as { fromExports(e: object): WasmInstance }).fromExports(fake);
    expect([...w.takeResult()]).toEqual([7, 8, 9]);
    expect(w.withBytes(Uint8Array.of(1, 2), (ptr, len) => [ptr, len])).toEqual([at + 8, 2]);
    expect(new Uint8Array(buffer, at + 8, 2)).toEqual(Uint8Array.of(1, 2));
  });

  test("work that cannot fit is refused before it starts, saying so and what to do", () => {
    expect(WASM_MEMORY_LIMIT).toBe(4 * 2 ** 30);
    expect(() => wasmMemoryNeeded(3 * 2 ** 30, "encoding 3 GiB of text", "encode it in smaller chunks")).not.toThrow();
    const e = (() => {
      try {
        wasmMemoryNeeded(5 * 2 ** 30, "encoding 5 GiB of text", "encode it in smaller chunks");
      } catch (x) {
        return x as TokenizerError;
      }
    })();
    expect(e).toBeInstanceOf(TokenizerError);
    expect(e?.code).toBe("memory");
    expect(e?.message).toBe(
      "encoding 5 GiB of text needs about 5.0 GiB of WASM memory, more than the 4 GiB a WebAssembly " +
        "instance can address; encode it in smaller chunks",
    );
    // Training counts each stretch without a safe cut as one pre-token: four copies of it must fit.
    expect(() => checkUncutStretch(2 ** 30 - 1, "big.txt", 0)).not.toThrow();
    expect(() => checkUncutStretch(2 ** 30 + 1, "big.txt", 5)).toThrow(
      /big\.txt: from byte 5, more than 1\.0 GiB without whitespace or a special token.*WASM memory.*4 GiB/,
    );
  });
});
