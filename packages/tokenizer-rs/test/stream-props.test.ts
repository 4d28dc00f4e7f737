// Property tests (fast-check, fixed seeds): decode(encode(s)) === s for any Unicode text, and
// encodeIterable gives exactly encode(concatenation) for any chunking, including chunks that split a
// surrogate pair, a special token or a contraction. Uses GPT-2 (tiktoken's ranks) with two overlapping
// special tokens, and also checks the ids against tiktoken where it can express the text.
import { afterAll, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { Tokenizer } from "@cs336-ts/tokenizer";
import fc from "fast-check";
import { get_encoding } from "tiktoken";

const EOT = "<|endoftext|>";
const GPT2_JSON = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
const t = Tokenizer.fromFiles({ tiktoken: GPT2_JSON, specialTokens: { [EOT + EOT]: 50257 } });
const tk = get_encoding("gpt2");
afterAll(() => tk.free());

// Text made of pieces that stress the boundaries: specials and their prefixes, contractions, spaces.
const piece = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom(EOT, "<|endo", "ftext|>", "'s", "'ll", "'", "l", " ", "  ", "\n\n", "\r\n", "🙃", "é", "日本", "123"),
);
const text = fc.array(piece, { maxLength: 12 }).map((p) => p.join(""));

/** Cuts `s` at sorted UTF-16 positions (which may split a surrogate pair). */
function chunk(s: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(s.slice(prev, c));
    prev = c;
  }
  out.push(s.slice(prev));
  return out;
}

test("round trip: decode(encode(s)) === s", () => {
  fc.assert(
    fc.property(text, (s) => {
      expect(t.decode(t.encode(s))).toBe(s);
    }),
    { seed: 336, numRuns: 400 },
  );
});

test("ids equal tiktoken's where only <|endoftext|> is special", () => {
  fc.assert(
    fc.property(text, (s) => {
      const ours = [...t.encode(s, { allowedSpecial: [EOT] })];
      expect(ours).toEqual([...tk.encode(s, "all")]);
    }),
    { seed: 337, numRuns: 300 },
  );
});

test("any chunking of encodeIterable equals encoding the whole text", async () => {
  await fc.assert(
    fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), async (s, cuts, asAsync) => {
      const chunks = chunk(s, cuts);
      const want = [...t.encode(s)];
      async function* gen() {
        for (const c of chunks) yield c;
      }
      const got: number[] = [];
      for await (const id of t.encodeIterable(asAsync ? gen() : chunks)) got.push(id);
      expect(got).toEqual(want);
    }),
    { seed: 338, numRuns: 300 },
  );
});

test("one code unit at a time equals the whole text", () => {
  fc.assert(
    fc.property(text, (s) => {
      const got = [...t.encodeChunksSync(s.split(""))].flatMap((a) => [...a]);
      expect(got).toEqual([...t.encode(s)]);
    }),
    { seed: 339, numRuns: 150 },
  );
});
