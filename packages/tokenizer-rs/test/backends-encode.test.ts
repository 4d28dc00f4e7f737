// The native and the WASM backend side by side in one process (tokenizerOn picks each): the same ids from
// encode, encodeBatch and streams cut at random places (strings and bytes), the same text and bytes back from
// decode and tokenBytes, on CS336's GPT-2 files and tiktoken's GPT-2 ranks; and the same TokenizerError
// (code and message) for the same bad input. Skipped, with the build command, when the addon is absent.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";
import { TokenizerError } from "../ts/errors.ts";
import type { SpecialOptions } from "../ts/special-policy.ts";
import { encoderOf, type Tokenizer, tokenizerOn } from "../ts/tokenizer.ts";
import { nativeMissing } from "./support/native-backend.ts";
import { CORPORA } from "./support/train-corpora.ts";
import { lcg } from "./support/lcg.ts";

const EOT = "<|endoftext|>";
const wasm = tokenizerOn("wasm");
const native = tokenizerOn("native");

const fixture = (f: string) => {
  const p = sharedFile(`fixtures/cs336/${f}`);
  return p ? readFileSync(p, "utf8") : "";
};
const TEXTS = [
  "",
  "a",
  "Hello, world! It's 2024. héllo 日本語 🙂  \r\n\n end",
  `story one${EOT}story two${EOT}${EOT} tail`,
  "x".repeat(5000),
  ...CORPORA.map((c) => c.text),
  ...["address.txt", "german.txt", "tinystories_sample.txt"].map(fixture),
];
const POLICIES: (SpecialOptions | undefined)[] = [undefined, { allowedSpecial: [] }, { allowedSpecial: "all" }];

/** A stream's ids with the text cut at random places, as strings or as bytes (characters split too). */
function streamed(t: Tokenizer, text: string, seed: number, bytes: boolean, opts?: SpecialOptions): number[] {
  const r = lcg(seed);
  const s = t.stream(opts);
  const out: number[] = [];
  if (bytes) {
    const b = new TextEncoder().encode(text);
    for (let at = 0; at < b.length; ) {
      const n = 1 + Math.floor(r() * 97);
      out.push(...s.pushBytes(b.subarray(at, at + n)));
      at += n;
    }
  } else {
    for (let at = 0; at < text.length; ) {
      const n = 1 + Math.floor(r() * 97);
      out.push(...s.push(text.slice(at, at + n)));
      at += n;
    }
  }
  out.push(...s.finish());
  return out;
}

/** Both tokenizers give the same results for every text, policy and chunking. */
function sameResults(w: Tokenizer, n: Tokenizer): void {
  expect([encoderOf(w).backend, encoderOf(n).backend]).toEqual(["wasm", "native"]);
  expect(n.vocabSize).toBe(w.vocabSize);
  expect([...n.specialTokens]).toEqual([...w.specialTokens]);
  expect([...n.specialTokenIds]).toEqual([...w.specialTokenIds]);
  for (const opts of POLICIES) {
    expect(n.encodeBatch(TEXTS, opts).map((a) => [...a])).toEqual(w.encodeBatch(TEXTS, opts).map((a) => [...a]));
    TEXTS.forEach((text, i) => {
      const ids = w.encode(text, opts);
      expect([...n.encode(text, opts)]).toEqual([...ids]);
      expect(streamed(n, text, i + 1, false, opts)).toEqual([...ids]);
      expect(streamed(n, text, i + 7, true, opts)).toEqual([...ids]);
      expect(n.decode(ids)).toBe(w.decode(ids));
    });
  }
  const r = lcg(99);
  const ids = Array.from({ length: 2000 }, () => Math.floor(r() * w.vocabSize));
  expect([...n.decodeBytes(ids)]).toEqual([...w.decodeBytes(ids)]);
  for (const id of ids.slice(0, 300)) expect([...n.tokenBytes(id)]).toEqual([...w.tokenBytes(id)]);
}

/** The TokenizerError `fn` throws, as code and message. */
function failure(fn: () => unknown): { code: string; message: string; name: string } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TokenizerError)) throw e;
    return { code: e.code, message: e.message, name: e.name };
  }
  throw new Error("expected a TokenizerError, nothing was thrown");
}

describe.skipIf(nativeMissing !== undefined)("native and WASM tokenizers agree", () => {
  const gpt2Ranks = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");

  test("GPT-2 from tiktoken's ranks (fromFiles and fromRankText)", () => {
    sameResults(
      wasm.fromFiles({ tiktoken: gpt2Ranks, specialTokens: { [EOT]: 50256 } }),
      native.fromFiles({ tiktoken: gpt2Ranks, specialTokens: { [EOT]: 50256 } }),
    );
    const text = readFileSync(gpt2Ranks);
    sameResults(wasm.fromRankText(text, { [EOT]: 50256 }), native.fromRankText(text, { [EOT]: 50256 }));
  });

  const vocab = sharedFile("fixtures/cs336/gpt2_vocab.json");
  const merges = sharedFile("fixtures/cs336/gpt2_merges.txt");
  if (!vocab || !merges) console.warn(missingMessage("fixtures/cs336/gpt2_vocab.json"));
  test.skipIf(!vocab || !merges)("GPT-2 from CS336's vocab.json and merges.txt, with and without specials", () => {
    const files = { vocab: vocab ?? "", merges: merges ?? "" };
    sameResults(wasm.fromFiles(files), native.fromFiles(files));
    const withSpecials = { ...files, specialTokens: [EOT, "<|pad|>", "<|endoftext|><|endoftext|>"] };
    sameResults(wasm.fromFiles(withSpecials), native.fromFiles(withSpecials));
  });

  test("fromVocab and fromRanks", () => {
    const bytes = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
    const b = (s: string) => new TextEncoder().encode(s);
    const m: [Uint8Array, Uint8Array][] = [
      [b("t"), b("h")],
      [b("th"), b("e")],
      [b(" "), b("the")],
    ];
    const v = [...bytes, b("th"), b("the"), b(" the")];
    sameResults(wasm.fromVocab(v, m, [EOT]), native.fromVocab(v, m, [EOT]));
    const ranks = { tokens: v, specialTokens: { [EOT]: 259 } };
    sameResults(wasm.fromRanks(ranks), native.fromRanks(ranks));
  });

  test("a disposed native tokenizer refuses work, and its streams too", () => {
    const t = native.fromVocab(
      Array.from({ length: 256 }, (_, i) => Uint8Array.of(i)),
      [],
    );
    const s = t.stream();
    s.push("abc ");
    t.dispose();
    t.dispose();
    expect(() => t.encode("a")).toThrow(/tokenizer was disposed/);
    expect(() => s.push("x")).toThrow(/tokenizer was disposed/);
    expect(() => t.decode([1])).toThrow(/tokenizer was disposed/);
  });
});

describe.skipIf(nativeMissing !== undefined)("the same errors, with the same codes and messages", () => {
  const bytes = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
  const both = <T>(make: (on: typeof wasm) => T) => [make(wasm), make(native)] as const;
  const sameFailure = (fn: (on: typeof wasm) => unknown) => {
    const [w, n] = both((on) => failure(() => fn(on)));
    expect(n).toEqual(w);
    return w;
  };

  test("invalid UTF-8 in a stream names the absolute offset", () => {
    const f = sameFailure((on) => {
      const s = on.fromVocab(bytes, [], [EOT]).stream({ offset: 1000 });
      s.pushBytes(new TextEncoder().encode("hello world "));
      s.pushBytes(Uint8Array.of(0x61, 0xff, 0x62));
      return s.finish();
    });
    expect(f.code).toBe("invalid_utf8");
    expect(f.message).toContain("1013");
  });

  test("a disallowed special token", () => {
    const f = sameFailure((on) => on.fromVocab(bytes, [], [EOT]).encode(`x${EOT}`, { disallowedSpecial: "all" }));
    expect(f.code).toBe("disallowed_special");
    expect(
      sameFailure((on) => on.fromVocab(bytes, [], [EOT]).encodeBatch(["ok", `y${EOT}`], { disallowedSpecial: "all" }))
        .code,
    ).toBe("disallowed_special");
  });

  test("a batch of more than 4 GiB of text: a memory error on both, before any copy", () => {
    // 64 references to one 64 MiB string and a byte: 2^32 + 1 bytes of UTF-8 in ~64 MiB of memory. The
    // addon takes the batch's byte ends as 32-bit numbers, which would wrap past 4 GiB.
    const texts = [...Array<string>(64).fill("a".repeat(1 << 26)), "a"];
    const [w, n] = both((on) => failure(() => on.fromVocab(bytes, []).encodeBatch(texts)));
    expect([w.code, n.code]).toEqual(["memory", "memory"]);
    expect(n.message).toContain("4294967297 bytes");
    expect(n.message).toContain("encode fewer or shorter texts per call");
  });

  test("bad ids are the same RangeError", () => {
    for (const ids of [[256], [-1], [1.5]]) {
      const [w, n] = both((on) => {
        try {
          on.fromVocab(bytes, []).decode(ids);
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
        return "nothing thrown";
      });
      expect(n).toBe(w);
      expect(w).toMatch(/^RangeError: token id/);
    }
  });

  test("bad vocab, merges and special tokens", () => {
    const b = (s: string) => new TextEncoder().encode(s);
    expect(sameFailure((on) => on.fromVocab(bytes.slice(1), [])).code).toBe("vocab");
    expect(sameFailure((on) => on.fromVocab(bytes, [[b("x"), b("y")]])).code).toBe("vocab");
    expect(sameFailure((on) => on.fromVocab(bytes, [], ["<a>", "<a>"])).code).toBe("special_token");
    expect(sameFailure((on) => on.fromRanks({ tokens: bytes, specialTokens: { [EOT]: 300 } })).code).toBe(
      "special_token",
    );
  });

  test("corrupt files name file and line, with the same code", () => {
    const dir = mkdtempSync(join(tmpdir(), "tok-backends-"));
    const put = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const v = put("vocab.json", "{");
    const m = put("merges.txt", "#version: 0.2\na b c\n");
    const goodVocab = put("good-vocab.json", JSON.stringify({ a: 0 }));
    expect(sameFailure((on) => on.fromFiles({ vocab: v, merges: m })).code).toBe("file_format");
    expect(sameFailure((on) => on.fromFiles({ vocab: goodVocab, merges: m })).code).toBe("file_format");
    expect(sameFailure((on) => on.fromFiles({ tokenizerJson: put("t.json", '{"model": 3}') })).code).toBe(
      "file_format",
    );
    const rank = sameFailure((on) => on.fromFiles({ tiktoken: put("r.tiktoken", "YQ== zero\n") }));
    expect(rank.code).toBe("rank_file");
    expect(rank.name).toBe("RankFileError");
    expect(sameFailure((on) => on.fromRankText("YQ== 0\nYg== 2\n")).code).toBe("rank_file");
  });
});
