// Writing tokenizer files: GPT-2's `vocab.json` + `merges.txt` (tokens in GPT-2's printable byte
// alphabet, `bytes_to_unicode`, as CS336's fixtures) and Hugging Face's `tokenizer.json` (BPE model,
// ByteLevel pre-tokenizer with use_regex true and add_prefix_space false, ByteLevel decoder, specials as
// added_tokens). The three are published as one unit (tokenizer-folder.ts). Special tokens are stored as
// their raw text.
// Reading them is the core's (src/encode/files.rs; readers.ts for plain values).
import { join } from "node:path";
import { checkTokenizerFolder, publishFolder } from "./tokenizer-folder.ts";
import type { Merges, Vocab } from "./train.ts";

/** GPT-2's byte → printable char table and its inverse. */
function alphabet(): { toChar: string[]; toByte: Map<string, number> } {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const toChar: string[] = new Array(256);
  const toByte = new Map<string, number>();
  bs.forEach((b, i) => {
    const c = String.fromCodePoint(cs[i] as number);
    toChar[b] = c;
    toByte.set(c, b);
  });
  return { toChar, toByte };
}

const ALPHABET = alphabet();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Token bytes in GPT-2's printable alphabet, e.g. " the" → "Ġthe". */
export function bytesToPrintable(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += ALPHABET.toChar[x];
  return s;
}

/** Inverse of bytesToPrintable; null if a char is outside the alphabet. */
export function printableToBytes(s: string): Uint8Array | null {
  const out: number[] = [];
  for (const c of s) {
    const b = ALPHABET.toByte.get(c);
    if (b === undefined) return null;
    out.push(b);
  }
  return Uint8Array.from(out);
}

function isSpecial(bytes: Uint8Array, specials: ReadonlySet<string>): string | null {
  if (specials.size === 0) return null;
  try {
    const s = utf8.decode(bytes);
    return specials.has(s) ? s : null;
  } catch {
    return null;
  }
}

function duplicateToken(key: string, a: number, b: number): Error {
  return new Error(
    `ids ${a} and ${b} would both be written as ${JSON.stringify(key)}, which vocab.json cannot hold; ` +
      "a special token must not have the same bytes as another token (e.g. a one-byte special token)",
  );
}

/** vocab.json text: {token: id} in id order; special tokens as raw text, the rest in the byte alphabet. */
export function vocabJson(vocab: Vocab, specialTokens: readonly string[] = []): string {
  const specials = new Set(specialTokens);
  // Written by hand: JSON.stringify of an object puts integer-like keys ("0", "2024") first, not in id order.
  const seen = new Map<string, number>();
  const lines = [...vocab]
    .sort((a, b) => a[0] - b[0])
    .map(([id, bytes]) => {
      const key = isSpecial(bytes, specials) ?? bytesToPrintable(bytes);
      const other = seen.get(key);
      if (other !== undefined) throw duplicateToken(key, other, id);
      seen.set(key, id);
      return `    ${JSON.stringify(key)}: ${id}`;
    });
  return `{\n${lines.join(",\n")}\n}\n`;
}

export function mergesTxt(merges: Merges): string {
  return merges.map(([a, b]) => `${bytesToPrintable(a)} ${bytesToPrintable(b)}\n`).join("");
}

export function tokenizerJson(vocab: Vocab, merges: Merges, specialTokens: readonly string[] = []): string {
  const specials = new Set(specialTokens);
  const modelVocab: Record<string, number> = {};
  const seen = new Map<string, number>();
  const added: object[] = [];
  for (const [id, bytes] of [...vocab].sort((a, b) => a[0] - b[0])) {
    const special = isSpecial(bytes, specials);
    const key = special ?? bytesToPrintable(bytes);
    const other = seen.get(key);
    if (other !== undefined) throw duplicateToken(key, other, id);
    seen.set(key, id);
    modelVocab[key] = id;
    if (special !== null) {
      added.push({
        id,
        content: special,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      });
    }
  }
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const doc = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: modelVocab,
      merges: merges.map(([a, b]) => `${bytesToPrintable(a)} ${bytesToPrintable(b)}`),
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
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
  const enc = new TextEncoder();
  const files = {
    "vocab.json": enc.encode(vocabJson(vocab, specialTokens)),
    "merges.txt": enc.encode(mergesTxt(merges)),
    "tokenizer.json": enc.encode(tokenizerJson(vocab, merges, specialTokens)),
  };
  if (checkTokenizerFolder(dir) === "tokenizer" && options.overwrite === false) {
    throw new Error(`${dir} already holds a tokenizer; pass { overwrite: true } to replace it`);
  }
  publishFolder(dir, files);
  return paths;
}
