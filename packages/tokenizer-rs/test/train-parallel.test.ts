// Parallel pre-tokenization must not change the result: safe cuts (src/cuts.rs) never split a
// pre-token or special token, and trainBpe gives identical merges for every worker count and block size.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { trainBpe } from "../ts/train.ts";
import { lastSafeCut } from "../ts/cuts.ts";
import { PIECES as BASE_PIECES, SCRIPTS, SPECIALS } from "./support/cut-pieces.ts";
import { isSafeCut } from "./support/cuts.ts";
import { referencePretokenCounts } from "./support/reference-trainer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const PIECES = [...BASE_PIECES, "🙂", ...SCRIPTS, ...SPECIALS, "<", "|", ">"];

describe("safe cuts", () => {
  test("counting the two sides of any safe cut equals counting the whole", () => {
    const specialBytes = SPECIALS.map((s) => enc.encode(s));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (parts) => {
        const bytes = enc.encode(parts.join(""));
        const whole = referencePretokenCounts(dec.decode(bytes), SPECIALS);
        for (let p = 1; p < bytes.length; p++) {
          if (!isSafeCut(bytes, p, specialBytes)) continue;
          const split = referencePretokenCounts(dec.decode(bytes.subarray(0, p)), SPECIALS);
          for (const [k, v] of referencePretokenCounts(dec.decode(bytes.subarray(p)), SPECIALS)) {
            split.set(k, (split.get(k) ?? 0) + v);
          }
          expect([...split].sort()).toEqual([...whole].sort());
        }
      }),
      { numRuns: 1500, seed: 42 },
    );
  });
});

describe("trainBpe is independent of workers and cuts", () => {
  const r = fc.sample(fc.array(fc.constantFrom(...PIECES), { minLength: 3000, maxLength: 3000 }), {
    numRuns: 1,
    seed: 3,
  });
  const text = (r[0] as string[]).join("");
  const input = enc.encode(text);

  test("workers 0..3 with random block sizes give identical merges", async () => {
    const base = await trainBpe({ input, vocabSize: 380, specialTokens: SPECIALS, workers: 0 });
    expect(base.merges.length).toBe(380 - 256 - 2);
    const key = (m: typeof base.merges) => m.map(([a, b]) => `${[...a]}|${[...b]}`);
    const sizes = fc.sample(fc.integer({ min: 16, max: 4000 }), { numRuns: 6, seed: 9 });
    for (const [i, chunkBytes] of sizes.entries()) {
      const got = await trainBpe({ input, vocabSize: 380, specialTokens: SPECIALS, workers: i % 4, chunkBytes });
      expect(key(got.merges)).toEqual(key(base.merges));
    }
  });
});

describe("non-Latin text", () => {
  test("Japanese and Russian text is cut at ASCII whitespace after a non-space", () => {
    const ja = enc.encode("日本語のテキスト。 東京\n大阪");
    const p = lastSafeCut(ja, []);
    expect(dec.decode(ja.subarray(p))).toBe("\n大阪");
    expect(lastSafeCut(enc.encode("Привет мир"), [])).toBe(enc.encode("Привет").length);
    // Not after a non-ASCII space, not inside a whitespace run.
    expect(lastSafeCut(enc.encode("日本\u3000 語"), [])).toBe(-1);
    expect(lastSafeCut(enc.encode("日本語  "), [])).toBe(enc.encode("日本語").length);
  });

  test("long stretches without any safe cut train the same in small blocks", async () => {
    const input = enc.encode(`${"日本語のテキストです".repeat(800)} 終わり${"東京大阪".repeat(300)}`);
    const whole = await trainBpe({ input, vocabSize: 300, workers: 0, chunkBytes: 1 << 20 });
    const small = await trainBpe({ input, vocabSize: 300, workers: 0, chunkBytes: 64 });
    const key = (m: typeof whole.merges) => m.map(([a, b]) => `${[...a]}|${[...b]}`);
    expect(key(small.merges)).toEqual(key(whole.merges));
  });
});
