// tiktoken encodings other than GPT-2's, loaded from the files the tiktoken npm package ships: p50k_base
// (GPT-2's pattern, ranks with a hole at 50256 where <|endoftext|> sits, whitespace-run tokens after it)
// matches tiktoken's own ids; a pattern this tokenizer does not implement is refused with a message naming
// what is supported (cl100k_base and o200k_base: test/tiktoken-gpt4.test.ts).
import { expect, test } from "bun:test";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get_encoding } from "tiktoken";
import { Tokenizer } from "../ts/tokenizer.ts";

const encoder = (name: string) => createRequire(import.meta.url).resolve(`tiktoken/encoders/${name}.json`);

const TEXTS = [
  "",
  "Hello, world! It's 2024.",
  "def f(x):\n        return x  *  2\n\n\n    # indented        comment\t\ttabs",
  "a  <|endoftext|>  b\n\n<|endoftext|>\t x",
  "héllo wörld 日本語 🙂 naïve   \r\n  end",
];

test("p50k_base: the same ids as tiktoken, special token included", () => {
  const ours = Tokenizer.fromFiles({ tiktoken: encoder("p50k_base") });
  const theirs = get_encoding("p50k_base");
  try {
    expect(ours.vocabSize).toBe(50281);
    for (const text of TEXTS) {
      const want = [...theirs.encode(text, "all")];
      expect([...ours.encode(text)]).toEqual(want);
      expect(ours.decode(ours.encode(text))).toBe(text);
    }
    // The whitespace runs are p50k's own tokens (ids after the special), so this checks they are used.
    expect([...ours.encode("x        y")].some((id) => id > 50256)).toBe(true);
  } finally {
    theirs.free();
    ours.dispose();
  }
});

test("another pre-tokenizer pattern is refused, naming the supported ones", () => {
  const json = JSON.parse(readFileSync(encoder("p50k_base"), "utf8"));
  const path = join(mkdtempSync(join(tmpdir(), "pat-")), "llama3.json");
  writeFileSync(
    path,
    JSON.stringify({ ...json, pat_str: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}" }),
  );
  expect(() => Tokenizer.fromFiles({ tiktoken: path })).toThrow(
    /pre-tokenizer pattern this tokenizer does not implement .*supported: the patterns of gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base and o200k_base/,
  );
});
