// CS336's tokenizer tests (assignment1-basics tests/test_tokenizer.py), matched token for token against
// tiktoken's gpt2 encoding from npm, with our tokenizer built two ways: from tiktoken's shipped GPT-2 ranks
// (runs anywhere) and through the adapters (tests/adapters.ts: getTokenizerFromFiles) from CS336's
// gpt2_vocab.json + gpt2_merges.txt (../shared).
// The 5M-file memory tests are replaced by a bounded-carry check on a larger corpus.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";
import { Tokenizer } from "@cs336-ts/tokenizer";
import { get_encoding } from "tiktoken";
import { getTokenizerFromFiles } from "./adapters.ts";

const EOT = "<|endoftext|>";
const enc = get_encoding("gpt2");
afterAll(() => enc.free());
const tiktokenIds = (text: string) => Array.from(enc.encode(text, "all"));
const GPT2_JSON = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");

type T = Awaited<ReturnType<typeof getTokenizerFromFiles>>;
type Builder = (specials?: string[]) => Promise<T>;

/** The adapter shape over a Tokenizer built from tiktoken's ranks. */
const fromRanks: Builder = async (specials = []) => {
  const base = Tokenizer.fromFiles({ tiktoken: GPT2_JSON });
  // Specials beyond tiktoken's <|endoftext|> get the next ids.
  const extra = Object.fromEntries(specials.filter((s) => s !== EOT).map((s, i) => [s, base.vocabSize + i]));
  const t = Object.keys(extra).length ? Tokenizer.fromFiles({ tiktoken: GPT2_JSON, specialTokens: extra }) : base;
  const allowed = [...specials];
  return {
    encode: (s: string) => Array.from(t.encode(s, { allowedSpecial: allowed })),
    decode: (ids: number[]) => t.decode(ids),
    encodeIterable: (chunks: Iterable<string> | AsyncIterable<string>) =>
      t.encodeIterable(chunks, { allowedSpecial: allowed }),
  };
};

const vocabPath = sharedFile("fixtures/cs336/gpt2_vocab.json");
const mergesPath = sharedFile("fixtures/cs336/gpt2_merges.txt");
const fromFixtures: Builder = (specials) => getTokenizerFromFiles(vocabPath ?? "", mergesPath ?? "", specials);

/** Builds once per special-token list: a GPT-2 build costs ~0.1 s on this machine. */
function memo(build: Builder): Builder {
  const cache = new Map<string, Promise<T>>();
  return (specials = []) => {
    const key = JSON.stringify(specials);
    const hit = cache.get(key);
    if (hit) return hit;
    const t = build(specials);
    cache.set(key, t);
    return t;
  };
}
if (!vocabPath || !mergesPath) console.warn(missingMessage("fixtures/cs336/gpt2_vocab.json"));

const fixture = (name: string) => sharedFile(`fixtures/cs336/${name}`);

async function collect(it: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const id of it) out.push(id);
  return out;
}

function* lines(text: string): Generator<string> {
  let i = 0;
  while (i < text.length) {
    const j = text.indexOf("\n", i);
    const end = j < 0 ? text.length : j + 1;
    yield text.slice(i, end);
    i = end;
  }
}

const CASES: Array<[string, string]> = [
  ["empty string", ""],
  ["single character", "s"],
  ["single unicode character", "🙃"],
  ["ascii string", "Hello, how are you?"],
  ["unicode string", "Héllò hôw are ü? 🙃"],
  ["trailing newlines", "Hello world!\n\n"],
  ["double newline then text", "Hello\n\nworld <|endoftext|>\n\nmore"],
];

describe.each([
  ["tiktoken ranks", memo(fromRanks), true],
  ["CS336 gpt2 vocab/merges files", memo(fromFixtures), Boolean(vocabPath && mergesPath)],
] as const)("%s", (_name, build, available) => {
  test.skipIf(!available).each(CASES)("%s matches tiktoken and round-trips", async (_case, text) => {
    const t = await build([EOT]);
    const ids = t.encode(text);
    expect(ids).toEqual(tiktokenIds(text));
    expect(t.decode(ids)).toBe(text);
  });

  test.skipIf(!available)("unicode string with special tokens", async () => {
    const t = await build([EOT]);
    const text = "Héllò hôw <|endoftext|><|endoftext|> are ü? 🙃<|endoftext|>";
    const ids = t.encode(text);
    expect(ids).toEqual(tiktokenIds(text));
    expect(ids.filter((id) => id === 50256)).toHaveLength(3);
    expect(t.decode(ids)).toBe(text);
  });

  test.skipIf(!available)("overlapping special tokens: the longest wins", async () => {
    const t = await build([EOT, EOT + EOT]);
    const text = "Hello, how <|endoftext|><|endoftext|> are you?<|endoftext|>";
    const ids = t.encode(text);
    const double = t.encode(EOT + EOT);
    expect(double).toHaveLength(1);
    expect(double[0]).toBe(50257);
    expect(ids).toEqual([...tiktokenIds("Hello, how "), 50257, ...tiktokenIds(" are you?"), 50256]);
    expect(t.decode(ids)).toBe(text);
  });

  for (const name of ["address.txt", "german.txt", "tinystories_sample.txt"]) {
    const path = fixture(name);
    test.skipIf(!available || !path)(`${name} matches tiktoken and round-trips`, async () => {
      const t = await build([EOT]);
      const text = readFileSync(path as string, "utf8");
      const ids = t.encode(text);
      expect(ids).toEqual(tiktokenIds(text));
      expect(t.decode(ids)).toBe(text);
    });
  }

  const sample = fixture("tinystories_sample.txt");
  test.skipIf(!available || !sample)("encode_iterable on tinystories_sample (lines of a file)", async () => {
    const t = await build([EOT]);
    const text = readFileSync(sample as string, "utf8");
    const ids = await collect(t.encodeIterable(lines(text)));
    expect(ids).toEqual(tiktokenIds(text));
    expect(t.decode(ids)).toBe(text);
  });
});

const larger = sharedFile("data/tinystories_v1_valid_head_794k.txt");
test.skipIf(!larger)("encodeIterable on a larger text, in 4 KiB chunks, carries only a small tail", async () => {
  const t = Tokenizer.fromFiles({ tiktoken: GPT2_JSON });
  const text = readFileSync(larger as string, "utf8").slice(0, 300_000);
  const s = t.stream();
  const ids: number[] = [];
  let maxPending = 0;
  for (let i = 0; i < text.length; i += 4096) {
    ids.push(...s.push(text.slice(i, i + 4096)));
    maxPending = Math.max(maxPending, s.pending);
  }
  ids.push(...s.finish());
  expect(ids).toEqual(tiktokenIds(text));
  // Held back: the open pre-tokens and a possible partial special token, never the chunk.
  expect(maxPending).toBeLessThan(256);
});

test.skipIf(!larger)("encode of a text over 1 MiB (encoded in blocks inside one call) matches tiktoken", () => {
  const t = Tokenizer.fromFiles({ tiktoken: GPT2_JSON });
  const base = readFileSync(larger as string, "utf8");
  // Pieces that straddle the 1 MiB block edges: a long space run, a special token, a 4-byte character.
  const text = `${base}${" ".repeat(5000)}🙃${EOT}${base.slice(0, 400_000)}`;
  expect([...t.encode(text)]).toEqual(tiktokenIds(text));
});
