// Honest tokenizer.json loading: every pipeline the loader accepts (ByteLevel; Split on GPT-2's,
// cl100k_base's or o200k_base's pattern then ByteLevel; an empty normalizer Sequence; ByteLevel and
// $A-only TemplateProcessing post-processors) gives Hugging Face `tokenizers`' ids, and each field it
// refuses is named in the error.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import { Tokenizer as HfTokenizer } from "tokenizers";

const EOT = "<|endoftext|>";
const corpus =
  "Once upon a time, there was a little dog named Max.<|endoftext|> Max liked to run in the park. " +
  "He'd chase balls, and they'll play all day! DON'T (stop) HelloWorld 12345678 Naïve café 日本語 🙂\r\n\n  spaces   here.\n";
const samples = [
  "Max liked the park.",
  "Once upon a time<|endoftext|>there was a café 🙂",
  "they'll 've 're 's DON'T We'LL   \n\n\t tabs 12345 ,,, (park) !!\n/x",
  "",
  "日本語 and Ünïcödé HelloWorld ABC's",
];
const CL100K = JSON.parse(readFileSync(require.resolve("tiktoken/encoders/cl100k_base.json"), "utf8")).pat_str;
const O200K = JSON.parse(readFileSync(require.resolve("tiktoken/encoders/o200k_base.json"), "utf8")).pat_str;
const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

const byteLevel = (useRegex: boolean) => ({
  type: "ByteLevel",
  add_prefix_space: false,
  trim_offsets: true,
  use_regex: useRegex,
});
const split = (pattern: string) => ({
  type: "Sequence",
  pretokenizers: [
    { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
    byteLevel(false),
  ],
});

const dir = mkdtempSync(join(tmpdir(), "tok-json-"));
const { vocab, merges } = await trainBpe({
  input: new TextEncoder().encode(corpus.repeat(20)),
  vocabSize: 380,
  specialTokens: [EOT],
});
const base = JSON.parse(readFileSync(saveTokenizerFiles(dir, vocab, merges, [EOT]).tokenizer, "utf8"));

/** Our trained tokenizer.json with some members replaced, written to a file. */
function variant(name: string, members: Record<string, unknown>, model: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...base, ...members, model: { ...base.model, ...model } }));
  return path;
}

const ACCEPTED: Array<[string, Record<string, unknown>]> = [
  ["ByteLevel (as saved)", {}],
  ["Split GPT-2 + ByteLevel", { pre_tokenizer: split(GPT2) }],
  ["Split cl100k_base + ByteLevel", { pre_tokenizer: split(CL100K) }],
  ["Split o200k_base + ByteLevel", { pre_tokenizer: split(O200K) }],
  ["Sequence of ByteLevel", { pre_tokenizer: { type: "Sequence", pretokenizers: [byteLevel(true)] } }],
  ["empty normalizer Sequence", { normalizer: { type: "Sequence", normalizers: [] } }],
  ["ByteLevel post-processor", { post_processor: byteLevel(true) }],
  [
    "TemplateProcessing $A only",
    {
      post_processor: {
        type: "TemplateProcessing",
        single: [{ Sequence: { id: "A", type_id: 0 } }],
        pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
        special_tokens: {},
      },
    },
  ],
];

test.each(ACCEPTED)("%s: Hugging Face tokenizers gives our ids", async (name, members) => {
  const path = variant(name.replace(/\W+/g, "-"), members);
  const ours = Tokenizer.fromFiles({ tokenizerJson: path });
  const hf = HfTokenizer.fromFile(path);
  try {
    for (const s of samples) {
      const ids = [...ours.encode(s)];
      expect(ids).toEqual((await hf.encode(s)).getIds());
      expect(ours.decode(ids)).toBe(s);
    }
  } finally {
    ours.dispose();
  }
});

const REFUSED: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
  ["no pre_tokenizer", { pre_tokenizer: null }, {}, /pre_tokenizer is null; supported: ByteLevel/],
  ["add_prefix_space", { pre_tokenizer: { ...byteLevel(true), add_prefix_space: true } }, {}, /add_prefix_space/],
  ["use_regex false alone", { pre_tokenizer: byteLevel(false) }, {}, /use_regex is not true/],
  ["Llama-3-style Split", { pre_tokenizer: split("(?i:'s|'t|'re|'ve|'m|'ll|'d)|\\p{L}+") }, {}, /Split pattern/],
  ["normalizer", { normalizer: { type: "NFC" } }, {}, /normalizer is "NFC"/],
  [
    "post_processor adding tokens",
    {
      post_processor: {
        type: "TemplateProcessing",
        single: [{ SpecialToken: { id: EOT, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      },
    },
    {},
    /post_processor TemplateProcessing adds tokens/,
  ],
  ["RobertaProcessing", { post_processor: { type: "RobertaProcessing" } }, {}, /post_processor is "RobertaProcessing"/],
  ["WordPiece model", {}, { type: "WordPiece" }, /with a BPE model/],
  ["dropout", {}, { dropout: 0.1 }, /model\.dropout is set/],
  ["byte_fallback", {}, { byte_fallback: true }, /model\.byte_fallback is set/],
  ["ignore_merges", {}, { ignore_merges: true }, /model\.ignore_merges is set/],
  ["end_of_word_suffix", {}, { end_of_word_suffix: "</w>" }, /model\.end_of_word_suffix is set/],
];

test.each(REFUSED)("refused: %s, naming the field", (name, members, model, message) => {
  const path = variant(`bad-${name.replace(/\W+/g, "-")}`, members, model);
  expect(() => Tokenizer.fromFiles({ tokenizerJson: path })).toThrow(message);
});
