// `bun run cli tokstats` as a user runs it (a spawned CLI): two tokenizers of different vocabulary sizes on two
// inputs; bytes per token side by side (the larger vocabulary compresses its own kind of text better), the
// same sample for a seed, throughput per tokenizer, and usage errors.
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";

const ROOT = resolve(import.meta.dir, "../../..");
const EOT = "<|endoftext|>";

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "tokstats", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

const dir = mkdtempSync(join(tmpdir(), "tokstats-"));
const stories = join(dir, "stories.txt");
const code = join(dir, "code.txt");
const small = join(dir, "small");
const big = join(dir, "big");

const story = (i: number) =>
  `Once upon a time, a little ${["cat", "dog", "bird"][i % 3]} named ${["Tom", "Lily", "Sam"][i % 3]} ` +
  `played in the park all day. ${"They were happy. ".repeat(1 + (i % 4))}The end.`;
const snippet = (i: number) => `fn f${i}(x: u32) -> u32 { let y = x * ${i} + 7; if y > 9 { y } else { 0 } }`;

beforeAll(async () => {
  writeFileSync(stories, Array.from({ length: 60 }, (_, i) => story(i)).join(EOT));
  writeFileSync(code, Array.from({ length: 40 }, (_, i) => snippet(i)).join(`\n${EOT}\n`));
  for (const [out, vocabSize] of [
    [small, 264],
    [big, 320],
  ] as const) {
    const bpe = await trainBpe({
      input: new TextEncoder().encode(Array.from({ length: 60 }, (_, i) => story(i)).join(EOT)),
      vocabSize,
      specialTokens: [EOT],
    });
    saveTokenizerFiles(out, bpe.vocab, bpe.merges, [EOT]);
  }
});

/** The bytes/token cells of an input's row. */
function ratios(out: string, input: string): number[] {
  const row = out.split("\n").find((l) => l.startsWith(input));
  return (row ?? "")
    .trim()
    .split(/\s{2,}/)
    .slice(2)
    .map(Number);
}

describe("tokstats", () => {
  test("bytes per token side by side, per input, and throughput per tokenizer", () => {
    const args = ["--tokenizer", small, "--tokenizer", big, "--input", stories, "--input", code, "--docs", "5"];
    const r = cli(...args, "--seed", "3");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${stories}: 5 of 60 documents`);
    expect(r.out).toContain(`${code}: 5 of 40 documents`);
    expect(r.out).toMatch(/input\s+bytes\s+small\s+big/);
    const [s, b] = ratios(r.out, "stories.txt");
    const [cs, cb] = ratios(r.out, "code.txt");
    // More merges learned on stories compress stories better; code, unlike the training text, compresses less.
    expect(b!).toBeGreaterThan(s!);
    expect(s!).toBeGreaterThan(1);
    expect(cb!).toBeLessThan(b!);
    expect(cs!).toBeGreaterThanOrEqual(1);
    expect(r.out).toMatch(/^small\s+264\s+[\d,]+\s+[\d.]+\s+\S/m);
    expect(r.out).toMatch(/^big\s+320\s+[\d,]+\s+[\d.]+\s+\S/m);
    // The same seed samples the same documents: the same table (throughput aside).
    const again = cli(...args, "--seed", "3");
    expect(again.out.split("encode throughput")[0]).toBe(r.out.split("encode throughput")[0]);
    expect(cli(...args, "--seed", "4").out.split("encode throughput")[0]).not.toBe(r.out.split("encode throughput")[0]);
  });

  test("the bytes/token cell is the sampled documents' UTF-8 bytes over their tokens", () => {
    const r = cli("--tokenizer", big, "--input", stories, "--docs", "100");
    expect(r.out).toContain(`${stories}: 60 of 60 documents (all of them)`);
    const tok = Tokenizer.fromDirectory(big);
    try {
      const docs = Array.from({ length: 60 }, (_, i) => story(i));
      const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
      const tokens = docs.reduce((n, d) => n + tok.encode(d).length, 0);
      expect(r.out).toMatch(
        new RegExp(`stories\\.txt\\s+${bytes.toLocaleString("en-US")}\\s+${(bytes / tokens).toFixed(2)}`),
      );
    } finally {
      tok.dispose();
    }
  });

  test("usage errors", () => {
    expect(cli("--input", stories)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/missing required flag --tokenizer/),
    });
    expect(cli("--tokenizer", big, "--input", join(dir, "nope.txt"))).toMatchObject({
      code: 2,
      err: expect.stringMatching(/input .*nope\.txt not found/),
    });
    expect(cli("--tokenizer", big, "--input", stories, "--docs", "0")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--docs must be >= 1/),
    });
  });

  test("an input that is not UTF-8, or not a file, is refused with what it is", () => {
    // Invalid bytes became U+FFFD (3 bytes each) and were measured: a 6-byte Latin-1 file reported 10 bytes.
    const latin1 = join(dir, "latin1.txt");
    writeFileSync(latin1, Buffer.from("caf\xe9 ol\xe9", "latin1"));
    const r = cli("--tokenizer", big, "--input", latin1);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: input ${latin1} is not valid UTF-8 (in bytes 0-8); re-encode it as UTF-8\n`);
    expect(r.out).toBe("");
    // A folder exists: "not found" sent the user looking for a typo.
    expect(cli("--tokenizer", big, "--input", dir)).toMatchObject({
      code: 2,
      err: `error: input ${dir} is a folder; pass a text file\n`,
    });
  });
});
