// The safe-cut rule (src/cuts.rs, through ts/cuts.ts) as parallel encoding uses it: encoding the two sides of any safe
// cut and concatenating gives the ids of encoding the whole, under every special-token policy (a token
// that is not split off may not be cut at; no token may be cut through, so a disallowed one still errors).
// Training's use of the same rule is tested in train-parallel.test.ts.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Tokenizer } from "../ts/tokenizer.ts";
import { firstSafeCut } from "../ts/cuts.ts";
import { PIECES, SCRIPTS, SPECIALS } from "./support/cut-pieces.ts";
import { isSafeCut } from "./support/cuts.ts";

const enc = new TextEncoder();
const SPECIAL_PIECES = [...SPECIALS, "<", "|", ">", "<|eot"];

// Bytes plus merges that chain across letters, digits and punctuation, so ids depend on whole pre-tokens.
const b = (s: string) => enc.encode(s);
const merges: Array<[Uint8Array, Uint8Array]> = [
  [b("b"), b("c")],
  [b("a"), b("bc")],
  [b(" "), b("a")],
  [b("'"), b("s")],
  [b("1"), b("1")],
  [b(","), b("!")],
  [b("<"), b("|")],
  [b(" "), b(" ")],
];
const vocab = [...Array.from({ length: 256 }, (_, i) => Uint8Array.of(i))];
for (const [l, r] of merges) vocab.push(new Uint8Array([...l, ...r]));
const tok = Tokenizer.fromVocab(vocab, merges, SPECIALS);

const POLICIES = [
  { opts: undefined, cutAt: SPECIALS },
  { opts: { allowedSpecial: ["<|eot|>"] }, cutAt: ["<|eot|>"] },
  { opts: { allowedSpecial: [] as string[] }, cutAt: [] as string[] },
] as const;

describe("safe cuts for encoding", () => {
  test("both sides of any safe cut encode to the whole text's ids, for every policy", () => {
    const all = SPECIALS.map(b);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES, ...SCRIPTS, ...SPECIAL_PIECES), { maxLength: 30 }), (parts) => {
        const bytes = enc.encode(parts.join(""));
        const dec = new TextDecoder();
        for (const { opts, cutAt } of POLICIES) {
          const whole = [...tok.encode(dec.decode(bytes), opts)];
          for (let p = 1; p < bytes.length; p++) {
            if (!isSafeCut(bytes, p, all, cutAt.map(b))) continue;
            const left = tok.encode(dec.decode(bytes.subarray(0, p)), opts);
            const right = tok.encode(dec.decode(bytes.subarray(p)), opts);
            expect([...left, ...right]).toEqual(whole);
          }
        }
      }),
      { numRuns: 600, seed: 7 },
    );
  });

  test("no cut through a special token, and none at one the policy leaves as text", () => {
    const all = SPECIALS.map(b);
    const text = b("xa<|eot|>yy");
    // Inside the token: never. At its start: only when it is split off (else "a<" is letter | punctuation
    // and still safe by class, so use a token after punctuation to see the difference).
    for (let p = 3; p < 9; p++) expect(isSafeCut(text, p, all)).toBe(false);
    const punct = b("x.<|eot|>");
    expect(isSafeCut(punct, 2, all, all)).toBe(true);
    expect(isSafeCut(punct, 2, all, [])).toBe(false);
    expect(firstSafeCut(b("ab.cd"), 1, 5, all)).toBe(2);
    expect(firstSafeCut(b("   日本"), 1, 9, all)).toBe(-1);
  });
});
