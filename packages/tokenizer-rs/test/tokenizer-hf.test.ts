// Interoperability: a tokenizer trained by our trainer and saved as tokenizer.json loads in Hugging Face
// `tokenizers` (npm, native) and encodes sample texts to exactly our ids, and our Tokenizer loads the same
// tokenizer.json (and the vocab.json + merges.txt beside it) to the same ids.
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import { Tokenizer as HfTokenizer } from "tokenizers";

const EOT = "<|endoftext|>";
const corpus =
  "Once upon a time, there was a little dog named Max.<|endoftext|> Max liked to run in the park. " +
  "He'd chase balls, and they'll play all day! Naïve café 日本語 🙂 2024\r\n\n  spaces   here.\n";
const samples = [
  "Max liked the park.",
  "Once upon a time<|endoftext|>there was a café 🙂",
  "they'll 've 're 's   \n\n\t tabs 12345 ,,,",
  "",
  "日本語 and Ünïcödé",
];

test("tokenizer.json from our trainer: Hugging Face tokenizers gives our ids", async () => {
  const { vocab, merges } = await trainBpe({
    input: new TextEncoder().encode(corpus.repeat(20)),
    vocabSize: 350,
    specialTokens: [EOT],
  });
  const dir = mkdtempSync(join(tmpdir(), "tok-hf-"));
  const paths = saveTokenizerFiles(dir, vocab, merges, [EOT]);
  const ours = Tokenizer.fromVocab(vocab, merges, [EOT]);
  const fromJson = Tokenizer.fromFiles({ tokenizerJson: paths.tokenizer });
  const fromDir = Tokenizer.fromDirectory(dir);
  const hf = HfTokenizer.fromFile(paths.tokenizer);
  expect(fromJson.vocabSize).toBe(vocab.size);
  for (const s of samples) {
    const want = [...ours.encode(s)];
    expect((await hf.encode(s)).getIds()).toEqual(want);
    expect([...fromJson.encode(s)]).toEqual(want);
    expect([...fromDir.encode(s)]).toEqual(want);
    expect(ours.decode(want)).toBe(s);
  }
});
