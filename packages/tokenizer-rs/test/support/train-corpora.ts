// The training conformance corpora: small texts that stress the pre-tokenizer and tie-breaking (special
// tokens, Unicode, digits, whitespace runs, CRLF), generated from fixed seeds. Shared by the WASM
// conformance test and the native-vs-WASM test.
import { lcg } from "./lcg.ts";

function randomText(seed: number, words: string[], seps: string[], n: number): string {
  const r = lcg(seed);
  let s = "";
  for (let i = 0; i < n; i++)
    s += (words[Math.floor(r() * words.length)] ?? "") + (seps[Math.floor(r() * seps.length)] ?? "");
  return s;
}

export const CORPORA: { name: string; text: string; vocab: number; specials: string[] }[] = [
  {
    name: "special tokens",
    text: randomText(1, ["the", "cat", "sat", "<|endoftext|>", "on", "mat", "<|pad|>", "theme"], [" ", "", ". "], 600),
    vocab: 320,
    specials: ["<|endoftext|>", "<|pad|>"],
  },
  {
    name: "unicode",
    text: randomText(
      2,
      ["héllo", "wörld", "日本語", "テキスト", "🙂", "👍🏽", "naïve", "Ωmega", "é"],
      [" ", "", "  ", "、"],
      500,
    ),
    vocab: 340,
    specials: [],
  },
  {
    name: "digits",
    text: randomText(3, ["1", "12", "123", "2024", "٣٤", "3.14", "x1", "v2"], [" ", ",", ""], 700),
    vocab: 320,
    specials: [],
  },
  {
    name: "whitespace runs and CRLF",
    text: randomText(
      4,
      ["a", "ab", "it's", "we'll", "I'M", "\t", "end"],
      [" ", "  ", "   ", "\r\n", "\n\n", "\t ", " \r\n "],
      700,
    ),
    vocab: 330,
    specials: ["<|endoftext|>"],
  },
  {
    // Whitespace runs touching a special token: `\s+(?!\S)` must not look across the special token.
    name: "whitespace runs next to special tokens",
    text: randomText(
      5,
      ["a  <|endoftext|>  b\n\n<|endoftext|>\t x", "<|endoftext|>", "word", " \n", "\t"],
      [" ", "  ", "\n\n", "\t ", "", " \r\n"],
      600,
    ),
    vocab: 300,
    specials: ["<|endoftext|>"],
  },
];
