// A disk that fills up (issue 11, items 1 and 2), on a 3 MB tmpfs (root only; skipped with a message
// otherwise): encode exits non-zero naming the .npy and the full disk, and the good file that was there is
// byte-identical; saveTokenizerFiles that runs out of space mid-set leaves the old folder whole.
import { expect } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { saveTokenizerFiles, trainBpe } from "@cs336-ts/tokenizer";
import { tmpfsTests } from "@cs336-ts/testkit";

const MAIN = resolve(import.meta.dir, "../../cli/src/main.ts");
const onTmpfs = tmpfsTests(3);
const work = mkdtempSync(join(tmpdir(), "tok-full-disk-"));
const snapshot = (d: string) => Object.fromEntries(readdirSync(d).map((n) => [n, readFileSync(join(d, n))]));

onTmpfs("encode on a full disk fails naming the file and keeps the old .npy", async (mnt) => {
  const tok = join(mnt, "tok");
  const text = "the quick brown fox jumps over the lazy dog, again and again. ";
  const { vocab, merges } = await trainBpe({ input: new TextEncoder().encode(text.repeat(50)), vocabSize: 290 });
  saveTokenizerFiles(tok, vocab, merges);
  const small = join(work, "small.txt");
  const big = join(work, "big.txt");
  writeFileSync(small, text);
  writeFileSync(big, text.repeat(120_000)); // ~7.7 MB: several MB of uint16 ids, more than the disk holds
  const out = join(mnt, "ids.npy");
  const run = (inp: string) =>
    Bun.spawnSync(["bun", MAIN, "encode", "--tokenizer", tok, "--input", inp, "--out", out, "--workers", "0"], {
      stdout: "pipe",
      stderr: "pipe",
    });
  expect(run(small).exitCode).toBe(0);
  const good = readFileSync(out);
  const r = run(big);
  const err = r.stderr.toString();
  expect(r.exitCode).toBe(2);
  expect(err).toContain(`cannot write ${out}: the disk is full`);
  expect(r.stdout.toString()).not.toContain("wrote");
  expect(readFileSync(out).equals(good)).toBe(true);
  expect(readdirSync(mnt).sort()).toEqual(["ids.npy", "tok"]);
});

onTmpfs("saveTokenizerFiles on a full disk leaves the old set whole", async (mnt) => {
  const out = join(mnt, "tok");
  const small = await trainBpe({ input: new TextEncoder().encode("ab ab ab abc abc"), vocabSize: 258 });
  saveTokenizerFiles(out, small.vocab, small.merges);
  const before = snapshot(out);
  // Runs of one letter, 2..1500 bytes: vocab.json and merges.txt (~1.1 MB each) fit, tokenizer.json does not.
  const vocab = new Map<number, Uint8Array>(Array.from({ length: 256 }, (_, b) => [b, Uint8Array.of(b)]));
  const mergeList: Array<[Uint8Array, Uint8Array]> = [];
  for (let k = 2; k <= 1500; k++) {
    mergeList.push([new Uint8Array(k - 1).fill(97), Uint8Array.of(97)]);
    vocab.set(254 + k, new Uint8Array(k).fill(97));
  }
  expect(() => saveTokenizerFiles(out, vocab, mergeList)).toThrow(/the disk is full/);
  expect(snapshot(out)).toEqual(before);
  expect(readdirSync(mnt)).toEqual(["tok"]);
});
