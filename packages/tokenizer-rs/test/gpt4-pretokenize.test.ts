// The hand-written cl100k_base and o200k_base scanners (through WASM) against their patterns run by
// JavaScript's regex engine. The patterns are tiktoken npm's `pat_str`s (no possessive quantifiers, so
// JS's backtracking matches tiktoken's) with two rewrites JS needs: `(?i:'s|…)` spelled out per letter
// (`ſ` folds to `s`, as under Unicode case-insensitivity), and `\s` as Unicode White_Space, which is
// tiktoken's `\s` (JS's own `\s` adds U+FEFF and lacks U+0085).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { WasmInstance } from "../ts/wasm.ts";

const S = "\\p{White_Space}";
const C = "'(?:[sSſ]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])";
const CL100K = new RegExp(
  `${C}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^${S}\\p{L}\\p{N}]+[\\r\\n]*|[${S}]*[\\r\\n]+|[${S}]+(?![^${S}])|[${S}]+`,
  "gu",
);
const UP = "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]";
const LO = "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]";
const O200K = new RegExp(
  `[^\\r\\n\\p{L}\\p{N}]?${UP}*${LO}+(?:${C})?|[^\\r\\n\\p{L}\\p{N}]?${UP}+${LO}*(?:${C})?|\\p{N}{1,3}| ?[^${S}\\p{L}\\p{N}]+[\\r\\n/]*|[${S}]*[\\r\\n]+|[${S}]+(?![^${S}])|[${S}]+`,
  "gu",
);
const PATTERNS = [
  ["cl100k_base", CL100K, 1],
  ["o200k_base", O200K, 2],
] as const;

const wasm = WasmInstance.createSync();
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { ignoreBOM: true });

function scanner(s: string, pattern: number): string[] {
  const bytes = enc.encode(s);
  const n = wasm.withBytes(bytes, (p, l) => wasm.check(wasm.core.pretokenize_ends_with(p, l, pattern)));
  const ends = new Uint32Array(wasm.takeResult().buffer, 0, n);
  const out: string[] = [];
  let start = 0;
  for (const end of ends) {
    out.push(dec.decode(bytes.subarray(start, end)));
    start = end;
  }
  return out;
}

// Every class the patterns tell apart: cased and caseless letters (Lu, Ll, Lt, Lm, Lo), marks, numbers,
// White_Space inside and outside JS's \s, \r \n and `/`, contractions in both cases, punctuation, emoji.
const PIECES = [
  "a",
  "Z",
  "é",
  "É",
  "ǅ",
  "ʰ",
  "日",
  "本",
  "ا",
  "ж",
  "Ж",
  "\u0301",
  "\u0903",
  "1",
  "٣",
  "½",
  "Ⅻ",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\r",
  "\u000b",
  "\u3000",
  "\u00a0",
  "\u0085",
  "\ufeff",
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
  "'Re",
  "'ſ",
  "ſ",
  ".",
  ",",
  "!?",
  "/",
  "-",
  "…",
  "🙂",
  "👍🏽",
  "<|endoftext|>",
  "$",
  "_",
  "don",
  "DON",
  "Hello",
  "WORLD",
];

describe.each(PATTERNS)("%s scanner", (_name, re, code) => {
  const reference = (s: string) => s.match(re) ?? [];

  test("matches the JS regex on strings from a tricky alphabet", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (parts) => {
        const s = parts.join("");
        expect(scanner(s, code)).toEqual(reference(s));
      }),
      { numRuns: 3000, seed: 336 },
    );
  });

  test("matches the JS regex on random full-Unicode strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (s) => {
        expect(scanner(s, code)).toEqual(reference(s));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

test("the class table matches JS's categories for every code point", () => {
  const res = [/^[\p{Lu}\p{Lt}]$/u, /^\p{Ll}$/u, /^[\p{Lm}\p{Lo}]$/u, /^\p{M}$/u, /^\p{N}$/u, /^\p{White_Space}$/u];
  const bad: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    const want = res.findIndex((r) => r.test(ch)) + 1;
    const got = wasm.core.unicode_gpt4_class(cp);
    if (got !== want && bad.length < 10) bad.push(`U+${cp.toString(16)}: wasm ${got}, js ${want}`);
  }
  expect(bad).toEqual([]);
});

test("an unknown pattern code is refused", () => {
  expect(() => wasm.withBytes(enc.encode("a"), (p, l) => wasm.check(wasm.core.pretokenize_ends_with(p, l, 3)))).toThrow(
    "pattern code",
  );
});
