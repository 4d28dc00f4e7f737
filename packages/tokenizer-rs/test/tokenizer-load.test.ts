// Tokenizer.fromFiles (the files' bytes handed to the core) against the plain values of the same files
// (loadVocabMerges / loadTokenizerJson, then Tokenizer.fromVocab; JSON.parse of tiktoken's npm JSON, then
// fromRankText): the same vocab, byte for byte, and the same ids, for trained tokenizers with odd bytes
// and special tokens; JSON reads as JSON.parse reads it, and errors name the file and line.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { loadTokenizerJson, loadVocabMerges, saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";

const dir = mkdtempSync(join(tmpdir(), "tok-load-"));
const SPECIALS = ["<|endoftext|>", "<pad>"];
const GPT2_JSON = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");

/** Every id's bytes, and the ids of some texts: what "the same tokenizer" means here. */
function fingerprint(t: Tokenizer, texts: string[]) {
  const tokens = Array.from({ length: t.vocabSize }, (_, id) => [...t.tokenBytes(id)].join(","));
  return { size: t.vocabSize, tokens, ids: texts.map((s) => [...t.encode(s)]), specials: [...t.specialTokenIds] };
}

const TEXTS = ["", "hello wörld<|endoftext|> it's 2024!", "\u0000\u0001 tabs\there\r\n", "日本語 🙂<pad>x", " "];

describe("vocab.json + merges.txt and tokenizer.json: fromFiles equals the parsed values", () => {
  test("trained tokenizers over random text with control bytes, non-ASCII and specials", async () => {
    const corpora = fc.sample(
      fc.array(fc.constantFrom("a", "ab", " the", "\u0000", "\u007f", "é", "日本", "🙂", "\n", '"q"', "\\", "<|"), {
        minLength: 200,
        maxLength: 400,
      }),
      { numRuns: 4, seed: 11 },
    );
    for (const [i, parts] of corpora.entries()) {
      const text = parts.join("");
      const { vocab, merges } = await trainBpe({
        input: new TextEncoder().encode(text),
        vocabSize: 300,
        specialTokens: SPECIALS,
      });
      const paths = saveTokenizerFiles(join(dir, `t${i}`), vocab, merges, SPECIALS);
      const fast = Tokenizer.fromFiles({ vocab: paths.vocab, merges: paths.merges, specialTokens: SPECIALS });
      const js = loadVocabMerges(paths.vocab, paths.merges, SPECIALS);
      const plain = Tokenizer.fromVocab(js.vocab, js.merges, SPECIALS);
      const texts = [...TEXTS, text.slice(0, 500)];
      expect(fingerprint(fast, texts)).toEqual(fingerprint(plain, texts));
      const fastJson = Tokenizer.fromFiles({ tokenizerJson: paths.tokenizer });
      const tj = loadTokenizerJson(paths.tokenizer);
      const plainJson = Tokenizer.fromVocab(tj.vocab, tj.merges, tj.specialTokens);
      expect(fingerprint(fastJson, texts)).toEqual(fingerprint(plainJson, texts));
      expect(fingerprint(fastJson, texts)).toEqual(fingerprint(plain, texts));
    }
  });

  test("JSON as JSON.parse reads it (5.0 ids, escapes, repeated keys); a bad merge names its line", () => {
    const vocab: Record<string, number> = {};
    const bytesToChar = (b: number) =>
      String.fromCodePoint(
        (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae
          ? b
          : 0x100 +
              Array.from({ length: b }, (_, x) => x).filter(
                (x) => !((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || x >= 0xae),
              ).length,
      );
    for (let b = 0; b < 256; b++) vocab[bytesToChar(b)] = b;
    vocab.Ġt = 256;
    const merges = "#version: 0.2\nĠ t\n";
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const m = write("m.txt", merges);
    // "256.0" is an integer id and "\/" is "/", as JSON.parse reads them.
    const odd = JSON.stringify(vocab).replace('"Ġt":256', '"Ġt":256.0').replace('"/":', '"\\/":');
    const fromOdd = Tokenizer.fromFiles({ vocab: write("odd.json", odd), merges: m });
    expect([...fromOdd.encode(" t/")]).toEqual([256, 47]);
    // A duplicate key: JSON.parse keeps the last ("Ġt": 256, vocab of 257), and so does the core.
    const dup = JSON.stringify(vocab).replace('"Ġt":256', '"Ġt":257,"Ġt":256');
    const fromDup = Tokenizer.fromFiles({ vocab: write("dup.json", dup), merges: m });
    expect(fromDup.vocabSize).toBe(257);
    expect([...fromDup.encode(" t")]).toEqual([256]);
    // A merges line naming a token not in the vocab: the error names the file's line.
    const bad = write("bad.txt", "#version: 0.2\nĠ t\nq z\n");
    expect(() => Tokenizer.fromFiles({ vocab: write("v.json", JSON.stringify(vocab)), merges: bad })).toThrow(
      /bad\.txt line 3/,
    );
  });
});

describe("tiktoken's npm JSON: read as bytes equals JSON.parse", () => {
  test("GPT-2 from the package: same vocab and ids either way", () => {
    const fast = Tokenizer.fromFiles({ tiktoken: GPT2_JSON });
    const f = JSON.parse(readFileSync(GPT2_JSON, "utf8")) as {
      bpe_ranks: string;
      special_tokens: Record<string, number>;
    };
    const plain = Tokenizer.fromRankText(f.bpe_ranks, f.special_tokens);
    expect(fingerprint(fast, TEXTS)).toEqual(fingerprint(plain, TEXTS));
  });

  test("other escapes in bpe_ranks (an escaped slash) are read; a broken token names the file and line", () => {
    const ranks = Array.from({ length: 256 }, (_, i) => Buffer.from([i]).toString("base64"));
    const json = (body: string) => JSON.stringify({ special_tokens: { "<|e|>": 257 }, bpe_ranks: body });
    const good = `! 0 ${ranks.join(" ")} ${Buffer.from("ab").toString("base64")}`;
    const escaped = join(dir, "escaped.json");
    writeFileSync(escaped, json(good).replaceAll("/", "\\/"));
    const t = Tokenizer.fromFiles({ tiktoken: escaped });
    expect([...t.encode("ab<|e|>")]).toEqual([256, 257]);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, json(`${good} Y*==`));
    expect(() => Tokenizer.fromFiles({ tiktoken: broken })).toThrow(
      /broken\.json: rank file line 1: a token is not base64/,
    );
  });
});
