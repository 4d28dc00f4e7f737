// Tokenizer files that disagree with themselves (issue 11, item 12): a truncated merges.txt leaves vocab
// entries no merge produces, and an edited added_tokens id in tokenizer.json disagrees with model.vocab.
// Both used to load without complaint; the core refuses them, naming the token, the ids and the file.
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveTokenizerFiles, Tokenizer, TokenizerError, trainBpe } from "@cs336-ts/tokenizer";

const EOT = "<|endoftext|>";
const dir = mkdtempSync(join(tmpdir(), "tok-consistency-"));
const { vocab, merges } = await trainBpe({
  input: new TextEncoder().encode(
    `${"low lower lowest newer wider, the quick brown fox jumps over the lazy dog. ".repeat(50)}${EOT}`,
  ),
  vocabSize: 280,
  specialTokens: [EOT],
});
const good = join(dir, "good");
saveTokenizerFiles(good, vocab, merges, [EOT]);
const read = (name: string) => readFileSync(join(good, name), "utf8");

function variant(name: string, edits: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d);
  for (const [file, text] of Object.entries(edits)) writeFileSync(join(d, file), text);
  return d;
}
function loadError(d: string, files: "gpt2" | "json"): TokenizerError {
  try {
    if (files === "gpt2") Tokenizer.fromFiles({ vocab: join(d, "vocab.json"), merges: join(d, "merges.txt") });
    else Tokenizer.fromFiles({ tokenizerJson: join(d, "tokenizer.json") });
  } catch (e) {
    return e as TokenizerError;
  }
  throw new Error("loaded");
}

test("a truncated merges.txt: the first vocab entry no merge produces is named, with both files", () => {
  const lines = read("merges.txt").split("\n");
  const d = variant("truncated", { "vocab.json": read("vocab.json"), "merges.txt": lines.slice(0, 10).join("\n") });
  const e = loadError(d, "gpt2");
  expect(e).toBeInstanceOf(TokenizerError);
  expect(e.code).toBe("vocab");
  const [l, r] = merges[10] as [Uint8Array, Uint8Array];
  const token = new TextDecoder().decode(new Uint8Array([...l, ...r]));
  expect(e.message).toBe(
    `${join(d, "vocab.json")}: token ${JSON.stringify(token)} (id 266) is in the vocab, but no merge in ` +
      `${join(d, "merges.txt")} produces it (is the file truncated?); every token longer than one byte ` +
      "must be the result of a merge",
  );
  expect(() =>
    Tokenizer.fromFiles({ vocab: join(good, "vocab.json"), merges: join(good, "merges.txt") }),
  ).not.toThrow();
});

test("tokenizer.json: an added token whose id disagrees with model.vocab, or lies outside it", () => {
  const doc = JSON.parse(read("tokenizer.json"));
  doc.added_tokens[0].id = 5;
  const moved = variant("moved", { "tokenizer.json": JSON.stringify(doc) });
  const e = loadError(moved, "json");
  expect(e.code).toBe("file_format");
  expect(e.message).toBe(
    `${join(moved, "tokenizer.json")}: added_tokens[0] ${JSON.stringify(EOT)} has id 5, but model.vocab gives ` +
      "it id 279; make the two ids agree",
  );
  delete doc.model.vocab[EOT];
  doc.added_tokens[0].id = 900;
  const far = variant("far", { "tokenizer.json": JSON.stringify(doc) });
  expect(loadError(far, "json").message).toBe(
    `${join(far, "tokenizer.json")}: added_tokens[0] ${JSON.stringify(EOT)} has id 900, outside the vocab ` +
      "(model.vocab holds ids 0..278, so the next free id is 279)",
  );
  doc.added_tokens[0].id = 279;
  const fine = variant("fine", { "tokenizer.json": JSON.stringify(doc) });
  expect([...Tokenizer.fromFiles({ tokenizerJson: join(fine, "tokenizer.json") }).encode(EOT)]).toEqual([279]);
});
