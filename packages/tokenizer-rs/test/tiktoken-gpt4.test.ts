// cl100k_base and o200k_base loaded from the rank files the tiktoken npm package ships, against that
// package's own encoder (WASM, `get_encoding`): the same ids on CS336's texts, on a few hundred KB of each
// file in ../shared/data, and on random Unicode, and decoding gives the text back.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";
import fc from "fast-check";
import { get_encoding } from "tiktoken";
import { Tokenizer } from "../ts/tokenizer.ts";

const encoder = (name: string) => createRequire(import.meta.url).resolve(`tiktoken/encoders/${name}.json`);
const HEAD = 300_000;

const TEXTS = [
  "",
  "Hello, world! It's 2024. DON'T we'll I'ſ",
  "def f(x):\n        return x  *  2\n\n\n    # indented        comment\t\ttabs  \n ",
  "a  <|endoftext|>  b\n\n<|endoftext|>\t x<|fim_prefix|>",
  "héllo wörld 日本語 🙂 naïve   \r\n  end HelloWorld ABC's 12345 ٣٤٥٦ e\u0301 \u0085\ufeff",
  "Привет, мир! Γειά σου κόσμε. مرحبا بالعالم. नमस्ते दुनिया। 你好，世界！ こんにちは世界。 안녕하세요 세계",
];

const shared = ["fixtures/cs336/address.txt", "fixtures/cs336/german.txt", "fixtures/cs336/tinystories_sample.txt"];
const dataDir = sharedFile("data/README.md");
const dataFiles = dataDir
  ? readdirSync(dirname(dataDir))
      .filter((f) => f.endsWith(".txt"))
      .map((f) => `data/${f}`)
  : [];
if (!dataDir) console.warn(missingMessage("data/"));

/** The first `HEAD` bytes of a file, cut back to a whole character. */
function head(path: string): string {
  const bytes = readFileSync(path).subarray(0, HEAD);
  return new TextDecoder().decode(bytes).replace(/\uFFFD+$/, "");
}

describe.each(["cl100k_base", "o200k_base"] as const)("%s", (name) => {
  const ours = Tokenizer.fromFiles({ tiktoken: encoder(name) });
  const theirs = get_encoding(name);
  afterAll(() => {
    theirs.free();
    ours.dispose();
  });
  const same = (text: string) => {
    const ids = [...ours.encode(text)];
    expect(ids).toEqual([...theirs.encode(text, "all")]);
    expect(ours.decode(ids)).toBe(text);
  };

  test("vocab size and special tokens as tiktoken has them", () => {
    // tiktoken's n_vocab: one past the highest special id (cl100k_base leaves some ids unused).
    expect(ours.vocabSize).toBe({ cl100k_base: 100277, o200k_base: 200019 }[name]);
    same("<|endoftext|>x<|endofprompt|>");
  });

  test.each(TEXTS)("%j", (text) => same(text));

  test("a bare .tiktoken text (no pat_str) loads with its encoding named, and is refused without it", () => {
    const specials = { cl100k_base: 100257, o200k_base: 199999 }[name];
    const lines: string[] = [];
    for (let id = 0; id < specials; id++) {
      const bytes = ours.tokenBytes(id);
      if (bytes.length > 0) lines.push(`${Buffer.from(bytes).toString("base64")} ${id}`);
    }
    const text = lines.join("\n");
    const named = Tokenizer.fromRankText(text, {}, name);
    try {
      expect([...named.encode(TEXTS[4] as string)]).toEqual([...theirs.encode(TEXTS[4] as string)]);
    } finally {
      named.dispose();
    }
    // GPT-2's scanner on these ranks gives other ids without a word: the core refuses instead.
    expect(() => Tokenizer.fromRankText(text)).toThrow(/more than any GPT-2-family encoding/);
  });

  for (const rel of [...shared, ...dataFiles]) {
    const path = sharedFile(rel);
    if (!path) console.warn(missingMessage(rel));
    test.skipIf(!path)(`${rel} (first ${HEAD / 1000} kB)`, () => same(head(path as string)));
  }

  test("streamed in random chunks: the ids of the whole text", () => {
    const text = TEXTS.join(" \n");
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 8 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), text.length];
        const chunks = at.slice(1).map((end, i) => text.slice(at[i], end));
        const ids = [...ours.encodeChunksSync(chunks)].flatMap((a) => [...a]);
        expect(ids).toEqual([...ours.encode(text)]);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  test("random Unicode", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => same(s)),
      { numRuns: 1500, seed: 13 },
    );
  });
});
