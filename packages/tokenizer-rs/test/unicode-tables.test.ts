// Checks the generated Unicode tables, as the compiled scanner sees them (through the WASM export
// unicode_class_mask, so the ASCII fast paths are covered too), against JavaScript's /\p{L}/u, /\p{N}/u
// and /\s/u for every Unicode scalar value. Fails if src/unicode_tables.rs is stale or hand-edited.
import { expect, test } from "bun:test";
import { WasmInstance } from "../ts/wasm.ts";

test("letter/number/whitespace tables match JS regexes for every code point", () => {
  const wasm = WasmInstance.createSync();
  const L = /^\p{L}$/u;
  const N = /^\p{N}$/u;
  const S = /^\s$/u;
  const mismatches: string[] = [];
  let checked = 0;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    const want = (L.test(ch) ? 1 : 0) | (N.test(ch) ? 2 : 0) | (S.test(ch) ? 4 : 0);
    const got = wasm.core.unicode_class_mask(cp);
    if (got !== want && mismatches.length < 10) mismatches.push(`U+${cp.toString(16)}: wasm ${got}, js ${want}`);
    checked++;
  }
  expect(mismatches).toEqual([]);
  expect(checked).toBe(0x110000 - 0x800);
  expect(wasm.core.unicode_class_mask(0xd800)).toBe(8);
});
