// Arguments of the wrong type are refused at the Tokenizer's boundary, with a message that names the
// argument and what to pass, on both backends: each of these was silently turned into other input (a
// Uint8Array pushed as text encoded "104,105"; a string pushed as bytes encoded zero bytes; a special
// token id of 2^32 + 256 became 256) or failed with the engine's words, differently per backend.
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { tokenizerOn } from "../ts/tokenizer.ts";
import { nativeMissing } from "./support/native-backend.ts";

const enc = new TextEncoder();
const BYTES = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
const GPT2_JSON = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");

// biome-ignore lint/suspicious/noExplicitAny: the point is to pass what the types forbid
const anyOf = (x: unknown): any => x;

for (const backend of ["wasm", "native"] as const) {
  describe.skipIf(backend === "native" && nativeMissing !== undefined)(`${backend} backend`, () => {
    const on = tokenizerOn(backend);
    const t = on.fromFiles({ tiktoken: GPT2_JSON });

    test("push takes strings and pushBytes Uint8Arrays; the other kind is a TypeError naming both", () => {
      expect(() => t.stream().push(anyOf(enc.encode("hi")))).toThrow(
        "push expects a string; got a Uint8Array (use pushBytes for UTF-8 bytes)",
      );
      expect(() => t.stream().push(anyOf(undefined))).toThrow(TypeError);
      expect(() => t.stream().pushBytes(anyOf("hi"))).toThrow(
        "pushBytes expects a Uint8Array of UTF-8 bytes; got a string (use push for text)",
      );
      expect(() => t.stream().pushBytes(anyOf(enc.encode("hi").buffer))).toThrow("got an ArrayBuffer");
      expect(() => t.stream().pushBytes(anyOf([104, 105]))).toThrow("got an Array");
      // A refused chunk leaves the stream usable.
      const s = t.stream();
      expect(() => s.push(anyOf(5))).toThrow(TypeError);
      expect([...s.push("hi"), ...s.finish()]).toEqual([...t.encode("hi")]);
    });

    test("a stream's offset is a whole number of bytes from 0", () => {
      for (const offset of [-5, 1.5, Number.NaN, anyOf("10")]) {
        expect(() => t.stream({ offset })).toThrow(`offset must be a non-negative integer (a byte offset)`);
      }
      const s = t.stream({ offset: 2 ** 33 });
      expect(() => {
        s.pushBytes(Uint8Array.of(0x61, 0xff));
        s.finish();
      }).toThrow(`byte offset ${2 ** 33 + 1}`);
    });

    test("decode takes ids, not a number or a string of digits", () => {
      expect(() => t.decode(anyOf(5))).toThrow("decode expects an array or iterable of token ids; got a number");
      expect(() => t.decode(anyOf("123"))).toThrow("got a string");
      expect(() => t.decodeBytes(anyOf(null))).toThrow(TypeError);
      expect(() => t.decoder().push(anyOf("12"))).toThrow("got a string");
      expect(() => t.decode(anyOf(["5"]))).toThrow('token ids must be numbers; got the string "5" at index 0');
      expect(() => t.tokenBytes(anyOf("3"))).toThrow('token ids must be numbers; got the string "3"');
      expect(t.decode(Int32Array.of(40, 41))).toBe("IJ");
      expect(t.decode(new Set([40, 41]))).toBe("IJ");
    });

    test("a vocab or merges of anything but Uint8Arrays is refused, naming the entry", () => {
      const strings = anyOf(BYTES.map((b) => String.fromCharCode(b[0] as number)));
      expect(() => on.fromVocab(strings, [])).toThrow(
        "vocab entry 0 must be a Uint8Array of token bytes; got a string",
      );
      const holey = anyOf([...BYTES]);
      delete holey[5];
      expect(() => on.fromVocab(holey, [])).toThrow("vocab entry 5 must be a Uint8Array of token bytes; got undefined");
      const hi = [...BYTES, enc.encode("hi")];
      expect(() => on.fromVocab(hi, anyOf([["h", "i"]]))).toThrow(
        "merge 0 must be a pair of Uint8Arrays (the two tokens' bytes); got [string, string]",
      );
      expect(() => on.fromVocab(hi, anyOf([[[104], [105]]]))).toThrow("got [Array, Array]");
      expect(() => on.fromVocab(hi, anyOf([[enc.encode("h")]]))).toThrow("got [Uint8Array]");
      // Buffers are Uint8Arrays.
      expect([...on.fromVocab(hi, [[Buffer.from("h"), Buffer.from("i")]]).encode("hi")]).toEqual([256]);
      expect(() => on.fromRanks({ tokens: anyOf(BYTES.map((b) => [...b])), specialTokens: {} })).toThrow(
        "rank 0 must be a Uint8Array of token bytes; got an Array",
      );
    });

    test("special tokens are a list of strings, their ids whole numbers below 2^32", () => {
      expect(() => on.fromVocab(BYTES, [], anyOf("<|eot|>"))).toThrow(
        'specialTokens must be an array of strings, such as ["<|endoftext|>"]; got a string',
      );
      expect(() => on.fromVocab(BYTES, [], anyOf([5]))).toThrow("special token 0 must be a string; got a number");
      for (const id of [2 ** 32 + 256, 256.5, -1, anyOf("256")]) {
        const shown = typeof id === "string" ? '"256"' : String(id);
        const want = `special token "<x>" has id ${shown}; ids are whole numbers from 0 to 4294967295`;
        expect(() => on.fromRanks({ tokens: BYTES, specialTokens: { "<x>": id } })).toThrow(want);
        expect(() => on.fromFiles({ tiktoken: GPT2_JSON, specialTokens: { "<x>": id } })).toThrow(want);
        expect(() => on.fromRankText("", { "<x>": id })).toThrow(want);
      }
      expect(on.fromRanks({ tokens: BYTES, specialTokens: { "<x>": 256 } }).specialTokenIds.get("<x>")).toBe(256);
    });

    test("fromFiles names the three forms it takes when given none of them, or half of one", () => {
      const forms = "{ vocab, merges } (GPT-2 vocab.json and merges.txt paths), { tokenizerJson } or { tiktoken }";
      expect(() => on.fromFiles(anyOf({}))).toThrow(`fromFiles takes ${forms}; got {}`);
      expect(() => on.fromFiles(anyOf(undefined))).toThrow(`fromFiles takes ${forms}; got undefined`);
      expect(() => on.fromFiles(anyOf({ vocab: "v.json" }))).toThrow(`got { vocab } without merges`);
      expect(() => on.fromFiles(anyOf({ merges: "m.txt", specialTokens: [] }))).toThrow(`got { merges } without vocab`);
      expect(() => on.fromFiles(anyOf({ tokenizerJson: 5 }))).toThrow(
        "tokenizerJson must be a file path; got a number",
      );
      expect(() => on.fromFiles(anyOf({ tiktoken: GPT2_JSON, vocab: "v.json", merges: "m.txt" }))).toThrow(
        "give one of them, not tiktoken and vocab",
      );
    });
  });
}
