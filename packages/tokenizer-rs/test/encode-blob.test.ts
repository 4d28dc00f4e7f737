// encodeFile on a Blob (what a page has: a File from an <input>): the ranges are planned and encoded from
// slices, each Worker gets the Blob itself, and the ids equal the path form's for the same bytes, with
// special tokens, blocks and range edges falling inside multi-byte characters, and 0 or 2 Workers.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFile, Tokenizer } from "@cs336-ts/tokenizer";
import { planBlobRanges, planRanges } from "../ts/encode-ranges.ts";

const EOT = "<|endoftext|>";
const SPECIALS = { [EOT]: 50256 };
const ranksPath = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
const ranks = { text: await Bun.file(ranksPath).text(), specialTokens: SPECIALS };
const dir = mkdtempSync(join(tmpdir(), "tok-blob-"));
// A CJK run longer than the planner's 64 KiB window has no safe cut: windows, probes and blocks all land
// inside 3-byte characters there.
const text = `${Array.from({ length: 400 }, (_, i) => `Story ${i}: a café 🙂 had ${i} cats.${EOT}\n`).join("")}${"日本語".repeat(8000)} tail ${EOT}`;
const bytes = new TextEncoder().encode(text);
const path = join(dir, "input.txt");
writeFileSync(path, bytes);
const tok = Tokenizer.fromRankText(ranks.text, SPECIALS);
const whole = [...tok.encode(text, { allowedSpecial: "all" })];
const options = { allowedSpecial: "all" as const };

async function collect(input: string | Blob, workers: number, rangeBytes: number): Promise<number[]> {
  const out: number[] = [];
  const r = await encodeFile({
    input,
    ranks,
    options,
    workers,
    rangeBytes,
    blockBytes: 1001,
    onIds: (ids) => out.push(...ids),
  });
  expect(r.bytes).toBe(bytes.length);
  expect(r.tokens).toBe(out.length);
  return out;
}

describe("encodeFile on a Blob", () => {
  test("plans the same ranges as the path form", async () => {
    const specials = [new TextEncoder().encode(EOT)];
    for (const target of [1000, 3001, 50_000]) {
      const want = planRanges(path, bytes.length, target, specials);
      expect(want.length).toBeGreaterThan(1);
      expect(await planBlobRanges(new Blob([bytes]), target, specials)).toEqual(want);
    }
  });

  test.each([
    [0, 3001],
    [2, 3001],
    [2, 50_000],
  ])("workers %d, ranges of ~%d bytes: the path form's ids", async (workers, rangeBytes) => {
    const fromPath = await collect(path, workers, rangeBytes);
    expect(fromPath).toEqual(whole);
    expect(await collect(new Blob([bytes]), workers, rangeBytes)).toEqual(fromPath);
  });

  test("invalid UTF-8 is refused with the File's name and the first bad byte's offset, with Workers", async () => {
    const bad = new Uint8Array(bytes.length + 1);
    bad.set(bytes.subarray(0, 20_000));
    bad[20_000] = 0xff;
    bad.set(bytes.subarray(20_000), 20_001);
    const file = new File([bad], "bad.txt");
    const run = encodeFile({ input: file, ranks, options, workers: 2, rangeBytes: 3001, onIds: () => {} });
    await expect(run).rejects.toThrow(/bad\.txt: .*20000/);
  });
});
