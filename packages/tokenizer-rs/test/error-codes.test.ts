// Errors carry a code across the WASM boundary next to their message: the wrapper's table of code names
// is the core's (src/error.rs ErrorCode, in order), and each kind of failure arrives with its code, so
// callers (and the wrapper itself) branch on `code`, never on the words of the message.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bytesToPrintable,
  parseMergesTxt,
  parseVocabJson,
  Tokenizer,
  TokenizerError,
  trainBpe,
} from "@cs336-ts/tokenizer";
import { CORE_CODES, WasmInstance } from "../ts/wasm.ts";

const b = (s: string) => new TextEncoder().encode(s);
const bytes = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));

/** The code of the TokenizerError `fn` throws (fails the test if it throws anything else). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return (e as TokenizerError).code;
  }
  throw new Error("expected a TokenizerError, nothing was thrown");
}

test("the wrapper's code names are the core's, in the core's order", () => {
  const wasm = WasmInstance.createSync();
  const names: string[] = [];
  for (let code = 1; ; code++) {
    const n = wasm.core.error_code_name(code);
    if (n < 0) break;
    names.push(new TextDecoder().decode(wasm.takeResult()));
  }
  expect(names).toEqual([...CORE_CODES]);
  expect(wasm.core.error_code_name(0)).toBe(-1);
});

describe("each failure arrives with its code", () => {
  const tok = Tokenizer.fromVocab(bytes, [], ["<|eot|>"]);
  test("invalid_utf8", () => {
    const s = tok.stream();
    expect(codeOf(() => s.pushBytes(Uint8Array.of(0x61, 0xff, 0x62)))).toBe("invalid_utf8");
  });
  test("special_token and disallowed_special", () => {
    expect(codeOf(() => Tokenizer.fromVocab(bytes, [], ["<a>", "<a>"]))).toBe("special_token");
    expect(codeOf(() => tok.encode("x<|eot|>", { disallowedSpecial: "all" }))).toBe("disallowed_special");
  });
  test("vocab", () => {
    expect(codeOf(() => Tokenizer.fromVocab(bytes.slice(1), []))).toBe("vocab");
    expect(codeOf(() => Tokenizer.fromVocab(bytes, [[b("x"), b("y")]]))).toBe("vocab");
  });
  test("file_format, and vocab or special_token for files that parse but do not fit", () => {
    expect(codeOf(() => parseMergesTxt("a b c\n"))).toBe("file_format");
    expect(codeOf(() => parseVocabJson("{"))).toBe("file_format");
    const dir = mkdtempSync(join(tmpdir(), "tok-codes-"));
    writeFileSync(join(dir, "v.json"), '{"a": 0}');
    writeFileSync(join(dir, "m.txt"), "");
    expect(codeOf(() => Tokenizer.fromFiles({ vocab: join(dir, "v.json"), merges: join(dir, "m.txt") }))).toBe("vocab");
    const vocab = Object.fromEntries(bytes.map((_, i) => [bytesToPrintable(Uint8Array.of(i)), i]));
    const doc = {
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false },
      model: { type: "BPE", vocab, merges: [] },
      added_tokens: [],
    };
    writeFileSync(join(dir, "t.json"), JSON.stringify(doc));
    expect(codeOf(() => Tokenizer.fromFiles({ tokenizerJson: join(dir, "t.json"), specialTokens: ["<x>"] }))).toBe(
      "special_token",
    );
  });
  test("rank_file", () => {
    expect(codeOf(() => Tokenizer.fromRankText("YQ== zero\n"))).toBe("rank_file");
  });
  test("input and training (raised by the wrapper)", async () => {
    const err = (p: Promise<unknown>) => p.catch((e: TokenizerError) => e.code);
    expect(await err(trainBpe({ input: "/no/such/file.txt", vocabSize: 300 }))).toBe("input");
    expect(await err(trainBpe({ input: b("ab ab"), vocabSize: 400 }))).toBe("training");
  });
});
