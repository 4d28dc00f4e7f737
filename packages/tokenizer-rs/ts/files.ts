// Writing tokenizer files: GPT-2's `vocab.json` + `merges.txt` (tokens in GPT-2's printable byte
// alphabet, `bytes_to_unicode`, as CS336's fixtures) and Hugging Face's `tokenizer.json` (BPE model,
// ByteLevel pre-tokenizer with use_regex true and add_prefix_space false, ByteLevel decoder, specials as
// added_tokens). Writes are atomic (temp file + rename). Special tokens are stored as their raw text.
// Reading them is the core's (src/encode/files.rs; readers.ts for plain values).
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
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

/**
 * Writes `text` to `path` atomically: a temporary file in the same folder, written until every byte is
 * taken (a full disk shows first as a short write), fsynced, renamed over `path`, and then the folder
 * fsynced so the rename itself survives a crash. On failure the temporary file is removed and `path` is
 * left as it was. (The application's writer is the trainer's; this package depends on nothing.)
 */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const bytes = new TextEncoder().encode(text);
  let fd = -1;
  try {
    fd = openSync(tmp, "w");
    for (let at = 0; at < bytes.length; ) {
      const n = writeSync(fd, bytes, at, bytes.length - at);
      if (n <= 0) throw new Error(`cannot write ${path}: wrote ${at} of ${bytes.length} bytes (is the disk full?)`);
      at += n;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncFolder(dirname(path));
}

/** Best effort: some filesystems and platforms refuse fsync on a folder; the rename happened either way. */
function fsyncFolder(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
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

/** Saves vocab.json, merges.txt and tokenizer.json into `dir`, each atomically; returns their paths. */
export function saveTokenizerFiles(dir: string, vocab: Vocab, merges: Merges, specialTokens: readonly string[] = []) {
  const paths = {
    vocab: join(dir, "vocab.json"),
    merges: join(dir, "merges.txt"),
    tokenizer: join(dir, "tokenizer.json"),
  };
  // Render everything first so a failure leaves no file behind.
  const texts = [vocabJson(vocab, specialTokens), mergesTxt(merges), tokenizerJson(vocab, merges, specialTokens)];
  writeFileAtomic(paths.vocab, texts[0] as string);
  writeFileAtomic(paths.merges, texts[1] as string);
  writeFileAtomic(paths.tokenizer, texts[2] as string);
  return paths;
}
