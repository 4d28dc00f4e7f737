// The hand-written GPT-2 scanner (through WASM) against the GPT-2 regex run by JavaScript's engine:
// fixed edge cases plus a fast-check property over strings from a tricky alphabet (non-ASCII letters,
// digits incl. non-ASCII, spaces, tabs, CRLF, apostrophes and contractions, punctuation, emoji, CJK).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { WasmInstance } from "../ts/wasm.ts";

const GPT2 = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const wasm = WasmInstance.createSync();
const enc = new TextEncoder();
const dec = new TextDecoder();

function reference(s: string): string[] {
  return s.match(GPT2) ?? [];
}

function scanner(s: string): string[] {
  const bytes = enc.encode(s);
  const n = wasm.withBytes(bytes, (p, l) => wasm.check(wasm.core.pretokenize_ends(p, l)));
  const ends = new Uint32Array(wasm.takeResult().buffer, 0, n);
  const out: string[] = [];
  let start = 0;
  for (const end of ends) {
    out.push(dec.decode(bytes.subarray(start, end)));
    start = end;
  }
  return out;
}

const PIECES = [
  "a",
  "Z",
  "é",
  "ß",
  "ж",
  "日",
  "本",
  "ا",
  "1",
  "٣",
  "½",
  "Ⅻ",
  " ",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\r",
  "\u000b",
  "\u3000",
  "\u00a0",
  "'",
  "'s",
  "'t",
  "'ll",
  "'ve",
  "'re",
  "'d",
  "'m",
  "'S",
  "'LL",
  ".",
  ",",
  "!?",
  "-",
  "…",
  "🙂",
  "👍🏽",
  "\u0301",
  "<|endoftext|>",
  "$",
  "_",
];

describe("pretokenize", () => {
  test.each([
    ["", []],
    ["Hello world", ["Hello", " world"]],
    ["I'm here, they'll go", ["I", "'m", " here", ",", " they", "'ll", " go"]],
    ["a   b", ["a", "  ", " b"]],
    ["x\r\n\r\ny", ["x", "\r\n\r", "\n", "y"]],
    ["trailing  ", ["trailing", "  "]],
    ["日本語 テキスト", ["日本語", " テキスト"]],
  ] as [string, string[]][])("%j", (s, want) => {
    expect(reference(s)).toEqual(want);
    expect(scanner(s)).toEqual(want);
  });

  test("matches the JS regex on random strings", () => {
    const piece = fc.constantFrom(...PIECES);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const s = parts.join("");
        expect(scanner(s)).toEqual(reference(s));
      }),
      { numRuns: 3000, seed: 336 },
    );
  });

  test("matches the JS regex on random full-Unicode strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (s) => {
        expect(scanner(s)).toEqual(reference(s));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  test("rejects invalid UTF-8 with the byte offset", () => {
    const bad = new Uint8Array([0x61, 0x62, 0xff, 0x63]);
    expect(() => wasm.withBytes(bad, (p, l) => wasm.check(wasm.core.pretokenize_ends(p, l)))).toThrow("byte offset 2");
  });
});
