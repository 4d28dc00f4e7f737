// Writing tokenizer files: GPT-2's `vocab.json` + `merges.txt` (tokens in GPT-2's printable byte
// alphabet, `bytes_to_unicode`, as CS336's fixtures) and Hugging Face's `tokenizer.json`, published as one
// unit (tokenizer-folder.ts). The formats and the alphabet are the core's (src/encode/write_files.rs,
// src/encode/files.rs); these are thin wrappers over its exports, as reading is (readers.ts).
import { join } from "node:path";
import { checkTokenizerFolder, publishFolder } from "./tokenizer-folder.ts";
import type { Merges, Vocab } from "./train.ts";
import { byteList, encodeStringList, idList, threadInstance } from "./wasm.ts";

type FileExports = {
  byte_alphabet(): number;
  write_tokenizer_files(...ptrLens: number[]): number;
};

let alphabet: { toChar: string[]; toByte: Map<string, number> } | undefined;

/** The core's byte → printable char table and its inverse, read once. */
function byteAlphabet(): { toChar: string[]; toByte: Map<string, number> } {
  if (alphabet) return alphabet;
  const wasm = threadInstance();
  wasm.check(wasm.exportsAs<FileExports>().byte_alphabet());
  const toChar = [...new TextDecoder().decode(wasm.takeResult())];
  alphabet = { toChar, toByte: new Map(toChar.map((c, b) => [c, b])) };
  return alphabet;
}

/** Token bytes in GPT-2's printable alphabet, e.g. " the" → "Ġthe". */
export function bytesToPrintable(b: Uint8Array): string {
  const { toChar } = byteAlphabet();
  let s = "";
  for (const x of b) s += toChar[x];
  return s;
}

/** Inverse of bytesToPrintable; null if a char is outside the alphabet. */
export function printableToBytes(s: string): Uint8Array | null {
  const { toByte } = byteAlphabet();
  const out: number[] = [];
  for (const c of s) {
    const b = toByte.get(c);
    if (b === undefined) return null;
    out.push(b);
  }
  return Uint8Array.from(out);
}

const VOCAB_JSON = 1;
const MERGES_TXT = 2;
const TOKENIZER_JSON = 4;

/** The texts of the files in `which` (VOCAB_JSON | MERGES_TXT | TOKENIZER_JSON), in that order. */
function writeFiles(vocab: Vocab, merges: Merges, specialTokens: readonly string[], which: number): Uint8Array[] {
  const ids = [...vocab.keys()];
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new RangeError(`vocab id ${id} is not an integer in 0..2^32-1`);
    }
  }
  const parts = [idList(ids), byteList([...vocab.values()]), byteList(merges.flat()), encodeStringList(specialTokens)];
  const wasm = threadInstance();
  const ex = wasm.exportsAs<FileExports>();
  wasm.check(wasm.callWith(parts, (...p) => ex.write_tokenizer_files(...p, which)));
  const out = wasm.takeResult();
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const texts: Uint8Array[] = [];
  for (let off = 0; off < out.length; ) {
    const n = dv.getUint32(off, true);
    texts.push(out.subarray(off + 4, off + 4 + n));
    off += 4 + n;
  }
  return texts;
}

const decoder = new TextDecoder();
const text = (b: Uint8Array | undefined) => decoder.decode(b);

/** vocab.json text: {token: id} in id order; special tokens as raw text, the rest in the byte alphabet. */
export function vocabJson(vocab: Vocab, specialTokens: readonly string[] = []): string {
  return text(writeFiles(vocab, [], specialTokens, VOCAB_JSON)[0]);
}

export function mergesTxt(merges: Merges): string {
  return text(writeFiles(new Map(), merges, [], MERGES_TXT)[0]);
}

export function tokenizerJson(vocab: Vocab, merges: Merges, specialTokens: readonly string[] = []): string {
  return text(writeFiles(vocab, merges, specialTokens, TOKENIZER_JSON)[0]);
}

export type SaveTokenizerOptions = {
  /** Replace a tokenizer already in `dir` (default true); false refuses it. */
  overwrite?: boolean;
};

/**
 * Saves vocab.json, merges.txt and tokenizer.json as the folder `dir`, as one unit: a failure leaves the
 * old folder whole. A folder holding other files is refused (the swap would take them away). Returns the
 * three paths.
 */
export function saveTokenizerFiles(
  dir: string,
  vocab: Vocab,
  merges: Merges,
  specialTokens: readonly string[] = [],
  options: SaveTokenizerOptions = {},
) {
  const paths = {
    vocab: join(dir, "vocab.json"),
    merges: join(dir, "merges.txt"),
    tokenizer: join(dir, "tokenizer.json"),
  };
  // Render everything first so a failure leaves no file behind.
  const [vocabText, mergesText, tokenizerText] = writeFiles(
    vocab,
    merges,
    specialTokens,
    VOCAB_JSON | MERGES_TXT | TOKENIZER_JSON,
  );
  const files = {
    "vocab.json": vocabText as Uint8Array,
    "merges.txt": mergesText as Uint8Array,
    "tokenizer.json": tokenizerText as Uint8Array,
  };
  if (checkTokenizerFolder(dir) === "tokenizer" && options.overwrite === false) {
    throw new Error(`${dir} already holds a tokenizer; pass { overwrite: true } to replace it`);
  }
  publishFolder(dir, files);
  return paths;
}
