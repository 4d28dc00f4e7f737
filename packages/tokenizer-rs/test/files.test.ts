// Tokenizer files: vocab.json + merges.txt in GPT-2's byte alphabet round-trip byte for byte (CS336's
// fixtures load and re-serialize identically), and our tokenizer.json loads in Hugging Face `tokenizers`
// and encodes text exactly as a direct rank-based BPE over the same merges.
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bytesToPrintable,
  mergesTxt,
  printableToBytes,
  saveTokenizerFiles,
  tokenizerJson,
  vocabJson,
} from "../ts/files.ts";
import { writeFileAtomic } from "../ts/tokenizer-folder.ts";
import { loadTokenizerJson, loadVocabMerges, parseMergesTxt } from "../ts/readers.ts";
import { trainBpe } from "../ts/train.ts";
import { referencePretokenCounts } from "./support/reference-trainer.ts";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";

const refVocab = sharedFile("fixtures/cs336/train-bpe-reference-vocab.json");
const refMerges = sharedFile("fixtures/cs336/train-bpe-reference-merges.txt");
if (!refVocab || !refMerges) console.warn(missingMessage("fixtures/cs336/train-bpe-reference-vocab.json"));

/** Direct BPE: repeatedly merge the adjacent pair of lowest rank. */
function bpeIds(word: Uint8Array, ranks: Map<string, number>, ids: Map<string, number>): number[] {
  let parts = [...word].map((b) => Uint8Array.of(b));
  const key = (a: Uint8Array, b: Uint8Array) => `${bytesToPrintable(a)} ${bytesToPrintable(b)}`;
  while (parts.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(key(parts[i] as Uint8Array, parts[i + 1] as Uint8Array));
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) break;
    const joined = Uint8Array.from([...(parts[best] as Uint8Array), ...(parts[best + 1] as Uint8Array)]);
    parts = [...parts.slice(0, best), joined, ...parts.slice(best + 2)];
  }
  return parts.map((p) => ids.get(bytesToPrintable(p)) as number);
}

describe("files", () => {
  test("byte alphabet is a bijection over 256 bytes", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const s = bytesToPrintable(all);
    expect([...s].length).toBe(256);
    expect([...(printableToBytes(s) as Uint8Array)]).toEqual([...all]);
    expect(bytesToPrintable(new TextEncoder().encode(" the\n"))).toBe("ĠtheĊ");
    expect(printableToBytes("a b")).toBeNull();
  });

  test.skipIf(!refVocab || !refMerges)("CS336 reference files load and merges re-serialize byte for byte", () => {
    const { vocab, merges } = loadVocabMerges(refVocab as string, refMerges as string, ["<|endoftext|>"]);
    expect(vocab.size).toBe(500);
    expect(merges.length).toBe(243);
    expect(mergesTxt(merges)).toBe(readFileSync(refMerges as string, "utf8"));
  });

  test("writeFileAtomic replaces the file whole and leaves no temporary file, also when it fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "files-atomic-"));
    const path = join(dir, "vocab.json");
    const text = `{"é": 0, "🙂": 1}\n`.repeat(50_000);
    writeFileSync(path, "old");
    writeFileAtomic(path, text);
    expect(readFileSync(path, "utf8")).toBe(text);
    // The rename fails (a non-empty folder is in the way) after the temporary file was written.
    mkdirSync(join(dir, "taken"));
    writeFileSync(join(dir, "taken", "x"), "x");
    expect(() => writeFileAtomic(join(dir, "taken"), "y")).toThrow();
    expect(readdirSync(dir).sort()).toEqual(["taken", "vocab.json"]);
  });

  test("a special token with another token's bytes is refused, not written as a duplicate key", () => {
    const vocab = new Map<number, Uint8Array>();
    for (let i = 0; i < 256; i++) vocab.set(i, Uint8Array.of(i));
    vocab.set(256, Uint8Array.of(0x78));
    expect(() => vocabJson(vocab, ["x"])).toThrow(/ids 120 and 256 would both be written as "x"/);
    expect(() => tokenizerJson(vocab, [], ["x"])).toThrow(/ids 120 and 256/);
    vocab.set(256, new TextEncoder().encode("constructor"));
    expect(vocabJson(vocab, ["constructor"])).toContain('"constructor": 256');
  });

  test("bad merges and vocab files name the line or token", () => {
    expect(() => parseMergesTxt("Ġ t\nabc\n", "m.txt")).toThrow('m.txt line 2: expected "left right"');
    expect(() => parseMergesTxt("a\u0100\u4e00 b", "m.txt")).toThrow("not in GPT-2's byte alphabet");
  });

  test("save, reload, and Hugging Face tokenizers encodes like direct BPE", async () => {
    const text =
      "The quick brown fox<|endoftext|> jumps over the lazy dog. It's 2024!\r\n  Naïve café 日本語 🙂 ".repeat(30);
    const specials = ["<|endoftext|>"];
    const { vocab, merges } = await trainBpe({
      input: new TextEncoder().encode(text),
      vocabSize: 320,
      specialTokens: specials,
    });
    const dir = mkdtempSync(join(tmpdir(), "files-test-"));
    const paths = saveTokenizerFiles(dir, vocab, merges, specials);
    const again = loadVocabMerges(paths.vocab, paths.merges, specials);
    const hex = (m: typeof merges) => m.map(([a, b]) => Buffer.from([...a, 0x2f, ...b]).toString("hex"));
    expect(hex(again.merges)).toEqual(hex(merges));
    const byId = (v: typeof vocab) => [...v].sort((a, b) => a[0] - b[0]).map(([i, t]) => [i, [...t]]);
    expect(byId(again.vocab)).toEqual(byId(vocab));
    const hf = loadTokenizerJson(paths.tokenizer);
    expect(hf.specialTokens).toEqual(specials);
    expect(hex(hf.merges)).toEqual(hex(merges));

    const { Tokenizer } = await import("tokenizers");
    const tok = Tokenizer.fromFile(paths.tokenizer);
    const sample = "The lazy fox's café<|endoftext|>日本 jumps  over\r\n2024 🙂";
    const got = (await tok.encode(sample)).getIds();
    const ranks = new Map(merges.map(([a, b], i) => [`${bytesToPrintable(a)} ${bytesToPrintable(b)}`, i]));
    const ids = new Map([...vocab].map(([id, t]) => [bytesToPrintable(t), id]));
    const want: number[] = [];
    for (const [i, piece] of sample.split("<|endoftext|>").entries()) {
      if (i > 0) want.push(vocab.size - 1);
      for (const w of piece.match(/'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu) ?? []) {
        want.push(...bpeIds(new TextEncoder().encode(w), ranks, ids));
      }
    }
    expect(got).toEqual(want);
    expect(referencePretokenCounts(sample, specials).size).toBeGreaterThan(5);
  });
});
