// encodeFile on the native backend (ranges handed to the addon's thread pool) against one WASM encode of the
// whole text: the same ids, in file order, for 1 to 4 ranges in flight and random range sizes, under two
// special-token policies; progress reaches the file size; an invalid byte gives WASM's error (code, file
// and absolute offset). Skipped, with the build command, when the addon is absent.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFileOn } from "../ts/encode-file.ts";
import { saveTokenizerFiles } from "../ts/files.ts";
import { tokenizerOn } from "../ts/tokenizer.ts";
import { trainBpeOn } from "../ts/train.ts";
import { nativeMissing } from "./support/native-backend.ts";
import { lcg } from "./support/lcg.ts";

const EOT = "<|endoftext|>";

describe.skipIf(nativeMissing !== undefined)("encodeFile on native", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tok-native-file-"));
  const story = (i: number) =>
    `Once upon a time, story ${i}, a café 🙂 had ${i * 7} cats.\n\nThey'll play; it's fun!  ${EOT}`;
  const text = `${Array.from({ length: 2500 }, (_, i) => story(i)).join("")}tail 日本語 ${EOT}${EOT}`;
  const input = join(dir, "input.txt");
  writeFileSync(input, text);
  const tokDir = join(dir, "tok");
  const { vocab, merges } = await trainBpeOn("wasm", {
    input: new TextEncoder().encode(text.slice(0, 40_000)),
    vocabSize: 420,
    specialTokens: [EOT],
  });
  saveTokenizerFiles(tokDir, vocab, merges, [EOT]);
  const wasm = tokenizerOn("wasm").fromVocab(vocab, merges, [EOT]);
  const size = Buffer.byteLength(text);

  const run = async (workers: number, rangeBytes: number, options?: { allowedSpecial: string[] }) => {
    const out: number[] = [];
    let last = 0;
    const r = await encodeFileOn("native", {
      input,
      tokenizerDir: tokDir,
      workers,
      rangeBytes,
      ...(options ? { options } : {}),
      onIds: (ids) => out.push(...ids),
      onProgress: (done) => {
        expect(done).toBeGreaterThan(last);
        last = done;
      },
    });
    expect(last).toBe(size);
    expect(r.tokens).toBe(out.length);
    return out;
  };

  test("same ids as one WASM encode, for 1-4 ranges in flight and random range sizes", async () => {
    const whole = [...wasm.encode(text)];
    const plain = [...wasm.encode(text, { allowedSpecial: [] })];
    const r = lcg(16);
    for (let workers = 0; workers <= 4; workers++) {
      const rangeBytes = 500 + Math.floor(r() * 40_000);
      expect(await run(workers, rangeBytes)).toEqual(whole);
      expect(await run(workers, rangeBytes, { allowedSpecial: [] })).toEqual(plain);
    }
  });

  test("an invalid byte or a disallowed special token: WASM's error, naming the file (and the offset)", async () => {
    const bad = join(dir, "bad.txt");
    const bytes = new TextEncoder().encode(text.slice(0, 30_000));
    bytes[20_001] = 0xff;
    writeFileSync(bad, bytes);
    const err = (backend: "wasm" | "native", workers: number) =>
      encodeFileOn(backend, { input: bad, tokenizerDir: tokDir, workers, rangeBytes: 3000, onIds: () => {} }).then(
        () => "nothing thrown",
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      );
    const want = await err("wasm", 2);
    expect(want).toMatch(/^invalid_utf8: .*bad\.txt.*20001/);
    for (const workers of [0, 1, 3]) expect(await err("native", workers)).toBe(want);
    // A disallowed special token: the same error, naming the file, whichever backend and worker count.
    const disallowed = (backend: "wasm" | "native", workers: number) =>
      encodeFileOn(backend, {
        input,
        tokenizerDir: tokDir,
        workers,
        rangeBytes: 3000,
        options: { disallowedSpecial: "all" },
        onIds: () => {},
      }).then(
        () => "nothing thrown",
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      );
    const refused = await disallowed("native", 2);
    expect(refused).toStartWith(`disallowed_special: ${input}: the text contains the special token "${EOT}"`);
    for (const workers of [0, 2]) {
      expect(await disallowed("wasm", workers)).toBe(refused);
      expect(await disallowed("native", workers)).toBe(refused);
    }
  });

  test("an input that is not a regular file: an input error saying so, on both backends, nothing encoded", async () => {
    const fifo = join(dir, "input.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const failure = (backend: "wasm" | "native", path: string, workers: number) =>
      encodeFileOn(backend, { input: path, tokenizerDir: tokDir, workers, onIds: () => {} }).then(
        (r) => `resolved with ${r.tokens} tokens`,
        (e: Error & { code?: string }) => `${e.name} [${e.code}]: ${e.message}`,
      );
    const cases: [string, string][] = [
      [fifo, `TokenizerError [input]: cannot read input ${fifo}: not a regular file (a pipe, device or socket)`],
      [
        "/dev/zero",
        "TokenizerError [input]: cannot read input /dev/zero: not a regular file (a pipe, device or socket)",
      ],
      [dir, `TokenizerError [input]: cannot read input ${dir}: is a directory; give a file`],
      [join(dir, "none.txt"), `TokenizerError [input]: cannot read input ${join(dir, "none.txt")}: file not found`],
    ];
    for (const [path, want] of cases) {
      for (const backend of ["wasm", "native"] as const) {
        for (const workers of [0, 2]) {
          const got = await failure(backend, path, workers);
          expect({ backend, workers, got: got.slice(0, want.length) }).toEqual({ backend, workers, got: want });
        }
      }
    }
  });

  test("an onIds or onProgress that throws rejects encodeFile with its error, on both backends", async () => {
    const boom = new Error("callback failed");
    const outcome = (backend: "wasm" | "native", workers: number, which: "onIds" | "onProgress") => {
      const settled = encodeFileOn(backend, {
        input,
        tokenizerDir: tokDir,
        workers,
        rangeBytes: 20_000,
        onIds: () => {
          if (which === "onIds") throw boom;
        },
        onProgress: () => {
          if (which === "onProgress") throw boom;
        },
      }).then(
        () => "resolved",
        (e) => (e === boom ? "rejected with it" : `rejected with ${e}`),
      );
      // A Promise that never settles is the failure being guarded against: report it instead of waiting.
      const pending = new Promise<string>((r) => setTimeout(() => r("still pending after 10 s"), 10_000).unref());
      return Promise.race([settled, pending]);
    };
    for (const backend of ["wasm", "native"] as const) {
      for (const workers of [0, 2]) {
        for (const which of ["onIds", "onProgress"] as const) {
          expect({ backend, workers, which, got: await outcome(backend, workers, which) }).toEqual({
            backend,
            workers,
            which,
            got: "rejected with it",
          });
        }
      }
    }
  }, 60_000);
});
