// The tokenizer study (CS336 tokenizer_experiments): seeded reservoir sampling of <|endoftext|>-separated
// documents read in chunks (a separator or a character split across chunks, empty pieces, fewer documents
// than asked), and bytes per token / throughput of a tokenizer on them.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "@cs336-ts/tokenizer";
import { measureTokenizer, sampleDocuments } from "../src/data/tokenizer-study.ts";

const EOT = "<|endoftext|>";
const doc = (i: number) => `Story ${i}: the cat — “naïve” 猫 ${"sat ".repeat(i % 7)}down.`;

function corpus(n: number): string {
  const d = mkdtempSync(join(tmpdir(), "tokstudy-"));
  const path = join(d, "docs.txt");
  // Blank pieces (a leading separator, two in a row, a trailing one) are not documents.
  writeFileSync(path, `${EOT}${Array.from({ length: n }, (_, i) => doc(i)).join(`\n${EOT}\n`)}${EOT}  \n${EOT}`);
  return path;
}

describe("sampleDocuments", () => {
  test("n distinct whole documents in file order, the same for a seed, whatever the chunk size", () => {
    const path = corpus(200);
    const a = sampleDocuments(path, 12, 5);
    expect(a.total).toBe(200);
    expect(a.docs.length).toBe(12);
    expect(new Set(a.indices).size).toBe(12);
    expect(a.indices).toEqual([...a.indices].sort((x, y) => x - y));
    expect(a.docs.map((d) => d.trim())).toEqual(a.indices.map(doc));
    // 7-byte chunks split separators and multi-byte characters: same sample.
    expect(sampleDocuments(path, 12, 5, 7)).toEqual(a);
    expect(sampleDocuments(path, 12, 6).indices).not.toEqual(a.indices);
  });

  test("every document is equally likely (chi-square over seeds)", () => {
    const path = corpus(20);
    const counts = new Array(20).fill(0);
    const seeds = 2000;
    for (let s = 0; s < seeds; s++) for (const i of sampleDocuments(path, 5, s).indices) counts[i]++;
    const e = (seeds * 5) / 20;
    const chi2 = counts.reduce((sum, c) => sum + (c - e) ** 2 / e, 0);
    // 19 degrees of freedom; 43.8 is the 0.999 quantile.
    expect(chi2).toBeLessThan(43.8);
  });

  test("fewer documents than asked gives all; no documents or no file is an error", () => {
    const path = corpus(3);
    expect(sampleDocuments(path, 10, 0).indices).toEqual([0, 1, 2]);
    const d = mkdtempSync(join(tmpdir(), "tokstudy-"));
    writeFileSync(join(d, "empty.txt"), `\n${EOT}\n \n${EOT}`);
    expect(() => sampleDocuments(join(d, "empty.txt"), 2, 0)).toThrow(/holds no documents/);
    expect(() => sampleDocuments(join(d, "nope.txt"), 2, 0)).toThrow(/input .*nope\.txt not found/);
    expect(() => sampleDocuments(path, 0, 0)).toThrow(/must be >= 1/);
  });
});

describe("measureTokenizer", () => {
  test("bytes per token is UTF-8 bytes over the encoded tokens; throughput is positive", () => {
    const tok = Tokenizer.fromVocab(
      Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)),
      [],
      [EOT],
    );
    try {
      const docs = ["héllo", "猫猫"];
      const m = measureTokenizer(tok, docs);
      // Bytes only: one token per byte.
      expect(m.bytes).toBe(6 + 6);
      expect(m.tokens).toBe(12);
      expect(m.bytesPerToken).toBe(1);
      expect(m.bytesPerSecond).toBeGreaterThan(0);
    } finally {
      tok.dispose();
    }
  });
});
