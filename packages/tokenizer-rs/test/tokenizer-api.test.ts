// The Tokenizer's API contract beyond CS336's cases: the special-token policy on every entry point, clear
// errors (unknown ids, bad files with line numbers, disallowed specials), encodeBatch, the incremental
// decoder, disposal, flat memory over thousands of constructed-and-dropped tokenizers, and an entry
// point that exports no internals.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as api from "@cs336-ts/tokenizer";
import { parseTiktokenRanks, Tokenizer } from "@cs336-ts/tokenizer";
import { liveEncoders, wasmMemoryBytes } from "./support/wasm-memory.ts";
import { mergesTxt, vocabJson } from "../ts/files.ts";
import { tokenizerOn } from "../ts/tokenizer.ts";

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);
const EOT = "<|endoftext|>";

type Maker = Pick<typeof Tokenizer, "fromVocab">;

/** Bytes, then "th", "the", " the" merged: small enough to build thousands of times. */
function tiny(specials: string[] = [EOT, "<pad>"], on: Maker = Tokenizer): Tokenizer {
  const vocab = new Map<number, Uint8Array>();
  for (let i = 0; i < 256; i++) vocab.set(i, Uint8Array.of(i));
  const merges: Array<[Uint8Array, Uint8Array]> = [
    [b("t"), b("h")],
    [b("th"), b("e")],
    [b(" "), b("the")],
  ];
  merges.forEach(([l, r], i) => {
    vocab.set(256 + i, new Uint8Array([...l, ...r]));
  });
  return on.fromVocab(vocab, merges, specials);
}

describe("special-token policy", () => {
  const t = tiny();
  const [eot, pad] = [259, 260];
  const text = `the${EOT} the<pad>`;
  const plain = (s: string) => [...t.encode(s, { allowedSpecial: [] })];

  test("default: every construction special token is special", () => {
    expect([...t.encode(text)]).toEqual([257, eot, 258, pad]);
  });
  test("allowedSpecial narrows; the others are plain text", () => {
    expect([...t.encode(text, { allowedSpecial: [EOT] })]).toEqual([257, eot, 258, ...plain("<pad>")]);
    expect([...t.encode(text, { allowedSpecial: "all" })]).toEqual([257, eot, 258, pad]);
  });
  test("disallowedSpecial is an error naming the token and the option", () => {
    expect(() => t.encode(text, { disallowedSpecial: ["<pad>"] })).toThrow(/"<pad>".*allowedSpecial/);
    expect(() => t.encode(text, { allowedSpecial: [], disallowedSpecial: "all" })).toThrow(/endoftext/);
    expect([...t.encode("the", { disallowedSpecial: "all" })]).toEqual([257]);
  });
  test('disallowedSpecial "all" beats the default allow; explicit allows are exempt', () => {
    expect(() => t.encode(text, { disallowedSpecial: "all" })).toThrow(/endoftext.*disallow/);
    expect(() => t.encode("<pad>", { disallowedSpecial: "all" })).toThrow(/"<pad>"/);
    expect(() => t.encode(text, { allowedSpecial: [EOT], disallowedSpecial: "all" })).toThrow(/"<pad>"/);
    expect([...t.encode(`the${EOT}`, { allowedSpecial: [EOT], disallowedSpecial: "all" })]).toEqual([257, eot]);
    expect(() => t.encodeBatch([text], { disallowedSpecial: "all" })).toThrow(/endoftext/);
    expect(() => [...t.encodeChunksSync([text], { disallowedSpecial: "all" })]).toThrow(/endoftext/);
    expect(() => t.encode("x", { allowedSpecial: "all", disallowedSpecial: "all" })).toThrow(/both "all"/);
    expect(() => t.encode("x", { allowedSpecial: "all", disallowedSpecial: [EOT] })).toThrow(/both allowed/);
  });
  test("bad options are explained, as TokenizerErrors with code special_token", () => {
    expect(() => t.encode("x", { allowedSpecial: ["<nope>"] })).toThrow(/not a special token.*<\|endoftext\|>/);
    expect(() => t.encode("x", { allowedSpecial: [EOT], disallowedSpecial: [EOT] })).toThrow(/both allowed/);
    for (const opts of [
      { allowedSpecial: ["<nope>"] },
      { allowedSpecial: [EOT], disallowedSpecial: [EOT] },
      { allowedSpecial: "all", disallowedSpecial: "all" },
    ] as const) {
      const e = (() => {
        try {
          t.encode("x", opts);
        } catch (caught) {
          return caught;
        }
      })();
      expect(e).toBeInstanceOf(api.TokenizerError);
      expect((e as api.TokenizerError).code).toBe("special_token");
    }
  });
  test("the same options on encodeBatch, encodeIterable and stream", async () => {
    const opts = { allowedSpecial: [EOT] };
    const want = [...t.encode(text, opts)];
    expect(t.encodeBatch([text, ""], opts).map((a) => [...a])).toEqual([want, []]);
    const got: number[] = [];
    for await (const id of t.encodeIterable(["the<|endo", "ftext|> the<p", "ad>"], opts)) got.push(id);
    expect(got).toEqual(want);
    expect(() => [...t.encodeChunksSync([text], { disallowedSpecial: [EOT] })]).toThrow(/disallows/);
  });
});

describe("decode", () => {
  const t = tiny();
  test("unknown ids are RangeErrors naming the id and the vocab size", () => {
    expect(() => t.decode([1, 261])).toThrow(RangeError);
    expect(() => t.decode([261])).toThrow("token id 261 not in [0, 261)");
    expect(() => t.decode([-1])).toThrow(RangeError);
    expect(() => t.decode([1.5])).toThrow(RangeError);
  });
  test("malformed UTF-8 becomes U+FFFD; a leading BOM survives", () => {
    expect(t.decode([0xe2, 0x82])).toBe("\uFFFD");
    expect(t.decode(t.encode("\uFEFFthe"))).toBe("\uFEFFthe");
  });
  test("the incremental decoder emits a character once all its tokens arrived", () => {
    const d = t.decoder();
    const ids = t.encode("a€🙃 the");
    const parts = [...ids].map((id) => d.push(id));
    expect(parts.join("") + d.flush()).toBe("a€🙃 the");
    expect(parts.join("")).not.toContain("\uFFFD");
    expect(parts.slice(1, 3)).toEqual(["", ""]); // € is three byte tokens
    d.push([0xf0, 0x9f]);
    expect(d.flush()).toBe("\uFFFD");
  });
});

describe("encodeBatch", () => {
  test("equals encode per text, in one call", () => {
    const t = tiny();
    const texts = ["the the", "", "🙃 the<pad>", "x".repeat(1000)];
    expect(t.encodeBatch(texts).map((a) => [...a])).toEqual(texts.map((s) => [...t.encode(s)]));
  });
});

test("one pre-token longer than the 1 MiB block is encoded whole", () => {
  const n = 2_500_000;
  const ids = tiny().encode(`${" ".repeat(n)}the`);
  expect(ids.length).toBe(n);
  expect(ids[n - 1]).toBe(258); // " the"
  expect(ids.subarray(0, n - 1).every((id) => id === 32)).toBe(true);
});

describe("construction errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "tok-api-"));
  test("a merge naming a token missing from the vocab gives the merges file's line", () => {
    const vocab = new Map<number, Uint8Array>();
    for (let i = 0; i < 256; i++) vocab.set(i, Uint8Array.of(i));
    vocab.set(256, b("th"));
    writeFileSync(join(dir, "vocab.json"), vocabJson(vocab));
    writeFileSync(
      join(dir, "merges.txt"),
      `#version: 0.2\n${mergesTxt([
        [b("t"), b("h")],
        [b("th"), b("e")],
      ])}`,
    );
    expect(() => Tokenizer.fromDirectory(dir)).toThrow(
      /merges\.txt line 3: the merge names or produces the token "the"/,
    );
  });
  test("unreadable files and missing directories are explained", () => {
    expect(() => Tokenizer.fromFiles({ vocab: join(dir, "nope.json"), merges: join(dir, "merges.txt") })).toThrow(
      /cannot read vocab file .*nope\.json: file not found/,
    );
    expect(() => Tokenizer.fromDirectory(join(dir, "missing"))).toThrow(/holds no tokenizer/);
  });
  test("a vocab without every byte, or with gaps in its ids, is rejected", () => {
    expect(() => Tokenizer.fromVocab([b("a")], [])).toThrow(/single byte 0x00/);
    expect(() => Tokenizer.fromVocab(new Map([[1, b("a")]]), [])).toThrow(/id 0 is missing/);
  });
  test("tiktoken rank files: the .tiktoken text format, and gaps are errors", () => {
    const lines = Array.from({ length: 256 }, (_, i) => `${Buffer.from([i]).toString("base64")} ${i}`);
    const ranks = parseTiktokenRanks(`${lines.join("\n")}\n${Buffer.from("ab").toString("base64")} 256\n`);
    const t = Tokenizer.fromRanks({ ...ranks, specialTokens: { [EOT]: 257 } });
    expect([...t.encode(`abc${EOT}`)]).toEqual([256, 99, 257]);
    expect(() => parseTiktokenRanks("YQ== 0\nYg== 2\n")).toThrow(/rank 1 is missing/);
    expect(() => Tokenizer.fromRanks({ ...ranks, specialTokens: { [EOT]: 300 } })).toThrow(/next free id is 257/);
    // The same text through the WASM-side parser (what fromFiles uses).
    const fast = Tokenizer.fromRankText(`${lines.join("\n")}\n${Buffer.from("ab").toString("base64")} 256\n`, {
      [EOT]: 257,
    });
    expect([...fast.encode(`abc${EOT}`)]).toEqual([256, 99, 257]);
    expect(() => Tokenizer.fromRankText("YQ== 0\nYg== 2\n")).toThrow(/rank 1 is missing/);
    expect(() => Tokenizer.fromRankText("YQ== zero\n")).toThrow(/line 1: a rank is not a non-negative integer/);
  });
});

describe("WASM memory", () => {
  // On WASM whatever backend the process chose: these watch the WASM instance's encoders.
  const wasmTiny = (specials?: string[]) => tiny(specials, tokenizerOn("wasm"));

  test("disposed tokenizers refuse work; disposing twice is fine", () => {
    const t = wasmTiny();
    t[Symbol.dispose]();
    t.dispose();
    expect(() => t.encode("the")).toThrow(/disposed/);
    // Also where there is nothing to encode or decode: a disposed tokenizer refuses every call.
    expect(() => t.encode("")).toThrow(/disposed/);
    expect(() => t.decode([])).toThrow(/disposed/);
    expect(() => t.decoder().push([])).toThrow(/disposed/);
    {
      using u = wasmTiny();
      expect(u.encode("the")).toEqual(Uint32Array.of(257));
    }
  });

  test("a stream or encodeIterable outliving dispose() fails instead of using whatever reused the slot", async () => {
    const t = wasmTiny();
    const s = t.stream();
    const sync = t.encodeChunksSync(["the", " the"]);
    expect(sync.next().value).toBeDefined();
    const it = t.encodeIterable(["the", " the", " the"]);
    await it.next();
    t.dispose();
    // A new tokenizer with different merges takes the freed slot; the old stream must not encode with it.
    const other = wasmTiny([]);
    expect(other.encode("the")).toEqual(Uint32Array.of(257));
    expect(() => s.push("the the")).toThrow(/tokenizer was disposed/);
    expect(() => s.finish()).toThrow(/tokenizer was disposed/);
    expect(() => sync.next()).toThrow(/tokenizer was disposed/);
    await expect(it.next()).rejects.toThrow(/tokenizer was disposed/);
    expect(() => t.stream()).toThrow(/disposed/);
    other.dispose();
  });

  test("constructing and dropping thousands of tokenizers keeps memory flat", async () => {
    // Finalizers run as tasks after a collection, so each round yields to the event loop.
    const round = async (n: number) => {
      for (let i = 0; i < n; i++) wasmTiny().encode("the the");
      Bun.gc(true);
      await Bun.sleep(1);
    };
    await round(500);
    const memBefore = wasmMemoryBytes();
    for (let r = 0; r < 6; r++) await round(500);
    // The finalizers ran: at most a few hundred encoders wait for collection, not 3000.
    expect(liveEncoders()).toBeLessThan(600);
    expect(wasmMemoryBytes() - memBefore).toBeLessThanOrEqual(4 << 20);
  });

  test("with dispose, nothing waits for the collector", () => {
    const before = liveEncoders();
    for (let i = 0; i < 2000; i++) {
      using t = wasmTiny();
      t.encode("the");
    }
    expect(liveEncoders()).toBe(before);
  });
});

test("the public entry point exports the API and no internals", () => {
  const names = Object.keys(api);
  for (const internal of [
    "WasmInstance",
    "compileModule",
    "compileModuleSync",
    "encodeStringList",
    "writeFileAtomic",
    "referenceTrainBpe",
    "referencePretokenCounts",
    "tokenizerOn",
    "setNativeSearch",
    "nativeAddon",
  ]) {
    expect(names).not.toContain(internal);
  }
  for (const pub of [
    "Tokenizer",
    "trainBpe",
    "encodeFile",
    "saveTokenizerFiles",
    "TokenizerError",
    "tokenizerBackend",
  ]) {
    expect(names).toContain(pub);
  }
});
