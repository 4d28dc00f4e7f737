// Writing tokenizer files: GPT-2's `vocab.json` + `merges.txt` (tokens in GPT-2's printable byte
// alphabet, `bytes_to_unicode`, as CS336's fixtures) and Hugging Face's `tokenizer.json`, published as one
// unit (tokenizer-folder.ts). The formats and the alphabet are the core's (src/encode/write_files.rs,
// src/encode/files.rs); these are thin wrappers over its exports, as reading is (readers.ts). Token bytes
// cross into WASM once and the files come back in chunks written as they come: a trained vocab of
// megabyte tokens (text without whitespace) made files several times the corpus.
import { join } from "node:path";
import { checkTokenizerFolder, publishFolder } from "./tokenizer-folder.ts";
import type { Merges, Vocab } from "./train.ts";
import { concat, encodeStringList, threadInstance, type WasmInstance } from "./wasm.ts";

type FileExports = {
  byte_alphabet(): number;
  tokenizer_files_open(...args: number[]): number;
  tokenizer_files_next(handle: number, index: number, max: number): number;
  tokenizer_files_close(handle: number): number;
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

const decoder = new TextDecoder();

const VOCAB_JSON = 1;
const MERGES_TXT = 2;
const TOKENIZER_JSON = 4;

/** Bytes of file text asked of the core per call. */
const CHUNK = 8 << 20;

/**
 * Where each token's bytes go in the one buffer handed to the core. Tokens that are views of one
 * ArrayBuffer covering no more than their total length go as that stretch, once: trainBpe's tokens are
 * views of the longest ones (one repeated letter: every token a view of the last), so the vocab crosses
 * as about the corpus, not the sum of its tokens. Other tokens are copied one by one, each once.
 */
function layOut(tokens: readonly Uint8Array[]) {
  type Group = { lo: number; hi: number; sum: number; at: number };
  const groups = new Map<ArrayBufferLike, Group>();
  for (const t of tokens) {
    const g = groups.get(t.buffer);
    if (!g) groups.set(t.buffer, { lo: t.byteOffset, hi: t.byteOffset + t.length, sum: t.length, at: -1 });
    else {
      g.lo = Math.min(g.lo, t.byteOffset);
      g.hi = Math.max(g.hi, t.byteOffset + t.length);
      g.sum += t.length;
    }
  }
  let size = 0;
  for (const g of groups.values()) {
    if (g.hi - g.lo > g.sum) continue;
    g.at = size;
    size += g.hi - g.lo;
  }
  const alone = new Map<Uint8Array, number>();
  for (const t of tokens) {
    if ((groups.get(t.buffer) as Group).at >= 0 || alone.has(t)) continue;
    alone.set(t, size);
    size += t.length;
  }
  const offset = (t: Uint8Array) => {
    const g = groups.get(t.buffer) as Group;
    return g.at >= 0 ? g.at + t.byteOffset - g.lo : (alone.get(t) as number);
  };
  const fill = (mem: Uint8Array) => {
    for (const [buffer, g] of groups) {
      if (g.at >= 0) mem.set(new Uint8Array(buffer, g.lo, g.hi - g.lo), g.at);
    }
    for (const [t, at] of alone) mem.set(t, at);
  };
  return { size, offset, fill };
}

/** An open writer of some of the three files in this thread's instance; `close` frees it. */
class FileWriter {
  constructor(
    private readonly wasm: WasmInstance,
    private readonly handle: number,
  ) {}

  /**
   * The text of the `index`-th file asked for, in chunks of about CHUNK bytes. Each chunk is a view of
   * WASM memory, valid until the next one is asked for: copies of them were garbage that piled up to the
   * size of the files before the collector ran.
   */
  *chunks(index: number): Generator<Uint8Array> {
    const { wasm } = this;
    const ex = wasm.exportsAs<FileExports>();
    while (wasm.check(ex.tokenizer_files_next(this.handle, index, CHUNK)) > 0) {
      yield wasm.view(wasm.core.result_ptr(), wasm.core.result_len());
    }
  }

  /** The whole text of the `index`-th file. */
  text(index: number): string {
    return decoder.decode(concat(Array.from(this.chunks(index), (c) => c.slice())));
  }

  close(): void {
    this.wasm.exportsAs<FileExports>().tokenizer_files_close(this.handle);
  }
}

/** A writer of the files in `which` (VOCAB_JSON | MERGES_TXT | TOKENIZER_JSON, in that order). */
function openFiles(vocab: Vocab, merges: Merges, specialTokens: readonly string[], which: number): FileWriter {
  for (const id of vocab.keys()) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new RangeError(`vocab id ${id} is not an integer in 0..2^32-1`);
    }
  }
  const layout = layOut([...vocab.values(), ...merges.flat()]);
  const vocabRefs = new Uint32Array(3 * vocab.size);
  let i = 0;
  for (const [id, t] of vocab) {
    vocabRefs.set([id, layout.offset(t), t.length], i);
    i += 3;
  }
  const mergeRefs = new Uint32Array(4 * merges.length);
  merges.forEach(([l, r], k) => {
    mergeRefs.set([layout.offset(l), l.length, layout.offset(r), r.length], 4 * k);
  });
  const wasm = threadInstance();
  const ex = wasm.exportsAs<FileExports>();
  const arena = wasm.alloc(layout.size);
  let owned = false; // the core owns the arena from the open call on, failure included
  try {
    layout.fill(wasm.view(arena, layout.size));
    const parts = [new Uint8Array(vocabRefs.buffer), new Uint8Array(mergeRefs.buffer), encodeStringList(specialTokens)];
    const handle = wasm.callWith(parts, (...p) => {
      owned = true;
      return ex.tokenizer_files_open(arena, layout.size, ...p, which);
    });
    if (handle === 0) throw wasm.error();
    return new FileWriter(wasm, handle);
  } finally {
    if (!owned) wasm.core.dealloc(arena, layout.size);
  }
}

/** The whole text of one file. */
function fileText(vocab: Vocab, merges: Merges, specialTokens: readonly string[], which: number): string {
  const w = openFiles(vocab, merges, specialTokens, which);
  try {
    return w.text(0);
  } finally {
    w.close();
  }
}

/** vocab.json text: {token: id} in id order; special tokens as raw text, the rest in the byte alphabet. */
export function vocabJson(vocab: Vocab, specialTokens: readonly string[] = []): string {
  return fileText(vocab, [], specialTokens, VOCAB_JSON);
}

export function mergesTxt(merges: Merges): string {
  return fileText(new Map(), merges, [], MERGES_TXT);
}

export function tokenizerJson(vocab: Vocab, merges: Merges, specialTokens: readonly string[] = []): string {
  return fileText(vocab, merges, specialTokens, TOKENIZER_JSON);
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
  // Opening checks the keys, so a vocab the files cannot hold fails before anything is written.
  const w = openFiles(vocab, merges, specialTokens, VOCAB_JSON | MERGES_TXT | TOKENIZER_JSON);
  try {
    if (checkTokenizerFolder(dir) === "tokenizer" && options.overwrite === false) {
      throw new Error(`${dir} already holds a tokenizer; pass { overwrite: true } to replace it`);
    }
    publishFolder(dir, { "vocab.json": w.chunks(0), "merges.txt": w.chunks(1), "tokenizer.json": w.chunks(2) });
  } finally {
    w.close();
  }
  return paths;
}
