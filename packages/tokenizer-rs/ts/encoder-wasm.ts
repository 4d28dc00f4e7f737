// The encoder's side of the WASM boundary (src/wasm/encode.rs): one shared instance per thread, handles
// to encoders in it, and the calls that move text in as UTF-8 bytes and ids out as one Uint32Array copy.
// Every encoder handle is freed by a FinalizationRegistry when its owner is collected, or at once by
// `release` (Symbol.dispose); the instance itself lives as long as the thread.
import {
  concat,
  threadInstance as instance,
  readStringList,
  u32,
  type WasmInstance,
  wasmMemoryNeeded,
} from "./wasm.ts";

/** A constructor export: its inputs as (ptr, length) pairs of byte parts; returns a handle, 0 on error. */
type Make = (...ptrLens: number[]) => number;

type EncodeExports = {
  encoder_from_merges: Make;
  encoder_from_ranks: Make;
  encoder_from_rank_file: Make;
  encoder_from_gpt2_files: Make;
  encoder_from_tokenizer_json: Make;
  encoder_free(h: number): void;
  encoder_vocab_size(h: number): number;
  encoder_special_tokens(h: number): number;
  encoder_special_ids(h: number): number;
  encoder_encode(h: number, tp: number, tl: number, pp: number, pl: number, last: number, base: number): number;
  encoder_encode_batch(h: number, tp: number, tl: number, ep: number, n: number, pp: number, pl: number): number;
  encoder_decode(h: number, ip: number, n: number): number;
  encoder_token_bytes(h: number, id: number): number;
  ids_ptr(): number;
  ids_len(): number;
  ends_ptr(): number;
};

function exportsOf(w: WasmInstance) {
  return w.exportsAs<EncodeExports>();
}

const registry = new FinalizationRegistry<number>((handle) => {
  exportsOf(instance()).encoder_free(handle);
});

const utf8 = new TextEncoder();
const hasBuffer = typeof Buffer !== "undefined";

/** UTF-8 length of `s` (lone surrogates count as U+FFFD, as TextEncoder writes them). */
function utf8Length(s: string): number {
  if (hasBuffer) return Buffer.byteLength(s, "utf8");
  return utf8.encode(s).length;
}

/** A new encoder handle, freed when `owner` is collected; 0 means the core refused, and says why. */
function adopt(w: WasmInstance, owner: object, h: number): number {
  if (h === 0) throw w.error();
  registry.register(owner, h, owner);
  return h;
}

/**
 * The core's encoder constructors by source, each with the byte parts it takes, in order (lists are
 * wasm.ts `byteList`, `encodeStringList`, `idList`; src/wasm/encode.rs): merges — vocab tokens by id,
 * merges as a flat left/right list, special tokens; ranks — tokens by rank, special tokens, their ids;
 * rankFile — a tiktoken rank file's bytes, special tokens, their ids, the file's name (or none);
 * gpt2Files — vocab.json and merges.txt bytes, special tokens, the two file names; tokenizerJson — the
 * file's bytes, special tokens that must be its own, its name.
 */
const MAKERS = {
  merges: "encoder_from_merges",
  ranks: "encoder_from_ranks",
  rankFile: "encoder_from_rank_file",
  gpt2Files: "encoder_from_gpt2_files",
  tokenizerJson: "encoder_from_tokenizer_json",
} as const;

type EncoderSource = keyof typeof MAKERS;

/** Builds an encoder in the shared instance from `parts`; the returned handle is owned by `owner`. */
export function createEncoder(owner: object, source: EncoderSource, parts: readonly Uint8Array[]): number {
  const w = instance();
  return adopt(w, owner, w.callWith(parts, exportsOf(w)[MAKERS[source]]));
}

/** Frees the handle now (idempotence is the caller's job) and stops the finalizer from freeing it again. */
export function release(owner: object, handle: number): void {
  registry.unregister(owner);
  exportsOf(instance()).encoder_free(handle);
}

export function vocabSize(handle: number): number {
  const w = instance();
  return w.check(exportsOf(w).encoder_vocab_size(handle));
}

/** The encoder's special tokens, in construction order. */
export function specialTokens(handle: number): string[] {
  const w = instance();
  w.check(exportsOf(w).encoder_special_tokens(handle));
  return readStringList(w.takeResult());
}

export function specialIds(handle: number): Uint32Array {
  const w = instance();
  const n = w.check(exportsOf(w).encoder_special_ids(handle));
  return takeIds(w, n);
}

function takeIds(w: WasmInstance, n: number): Uint32Array {
  const ptr = u32(exportsOf(w).ids_ptr());
  return new Uint32Array(w.core.memory.buffer, ptr, u32(n)).slice();
}

/** Text copied into WASM memory at once, with room for its ids (at most one per byte, in blocks). */
function checkTextFits(len: number): void {
  wasmMemoryNeeded(
    len + 4 * Math.min(len, 3 * BLOCK),
    `encoding ${len} bytes in one call`,
    "encode it in smaller chunks (StreamEncoder or encodeFile for big inputs)",
  );
}

/**
 * Encodes `prefix` bytes followed by the UTF-8 of `text` (either may be empty). With `last`, all of it;
 * otherwise its stable prefix. Returns the ids and how many of the input bytes were consumed; the caller
 * keeps the rest (`carry`, a copy) for the next call.
 */
export function encodeRaw(
  handle: number,
  prefix: Uint8Array,
  text: string,
  policy: Uint8Array,
  last: boolean,
  base: number,
): { ids: Uint32Array; consumed: number; carry: Uint8Array } {
  const w = instance();
  const textLen = text.length === 0 ? 0 : utf8Length(text);
  const len = prefix.length + textLen;
  checkTextFits(len);
  const ptr = w.alloc(len + policy.length);
  try {
    const mem = new Uint8Array(w.core.memory.buffer);
    mem.set(prefix, ptr);
    if (textLen > 0) utf8.encodeInto(text, mem.subarray(ptr + prefix.length, ptr + len));
    mem.set(policy, ptr + len);
    const { ids, consumed } = encodeInBlocks(w, handle, ptr, len, policy.length, last, base);
    const carry = last ? new Uint8Array(0) : w.view(ptr + consumed, len - consumed).slice();
    return { ids, consumed, carry };
  } finally {
    w.core.dealloc(ptr, len + policy.length);
  }
}

/**
 * Encodes `len` bytes at `ptr` (policy right after them) in blocks of the stable prefix: one long call
 * would run entirely in the engine's baseline WASM tier (measured ~3x slower on 8 MB in Bun; the
 * optimized code is used from the next call on), and peak memory grows less.
 */
function encodeInBlocks(
  w: WasmInstance,
  handle: number,
  ptr: number,
  len: number,
  policyLen: number,
  last: boolean,
  base: number,
): { ids: Uint32Array; consumed: number } {
  const x = exportsOf(w);
  const parts: Uint32Array[] = [];
  let consumed = 0;
  // Split only past two blocks: a stream's ~1 MiB chunk plus its carry goes in one call (no concat).
  while (len - consumed > 2 * BLOCK) {
    const n = w.check(x.encoder_encode(handle, ptr + consumed, BLOCK, ptr + len, policyLen, 0, base + consumed));
    if (n === 0) break; // one pre-token longer than a block: let the final call take it whole
    parts.push(takeIds(w, x.ids_len()));
    consumed += n;
  }
  const rest = len - consumed;
  consumed += w.check(
    x.encoder_encode(handle, ptr + consumed, rest, ptr + len, policyLen, last ? 1 : 0, base + consumed),
  );
  parts.push(takeIds(w, x.ids_len()));
  return { ids: parts.length === 1 ? (parts[0] as Uint32Array) : concat(parts), consumed };
}

const BLOCK = 1 << 20;

/**
 * Encodes `prefix` followed by raw bytes already in hand (stream and file chunks): same contract as
 * `encodeRaw`. Both parts are copied straight into WASM memory, so a stream's carry is never concatenated
 * with the next chunk in JS (that was a chunk-sized garbage array per push).
 */
export function encodeBytes(
  handle: number,
  prefix: Uint8Array,
  bytes: Uint8Array,
  policy: Uint8Array,
  last: boolean,
  base: number,
): { ids: Uint32Array; consumed: number; carry: Uint8Array } {
  const w = instance();
  const len = prefix.length + bytes.length;
  checkTextFits(len);
  const ptr = w.alloc(len + policy.length);
  try {
    const mem = new Uint8Array(w.core.memory.buffer);
    mem.set(prefix, ptr);
    mem.set(bytes, ptr + prefix.length);
    mem.set(policy, ptr + len);
    const { ids, consumed } = encodeInBlocks(w, handle, ptr, len, policy.length, last, base);
    const carry = last ? new Uint8Array(0) : w.view(ptr + consumed, len - consumed).slice();
    return { ids, consumed, carry };
  } finally {
    w.core.dealloc(ptr, len + policy.length);
  }
}

/** Encodes many texts in one call; returns one Uint32Array per text (views of one shared copy). */
export function encodeBatchRaw(handle: number, texts: readonly string[], policy: Uint8Array): Uint32Array[] {
  const w = instance();
  const x = exportsOf(w);
  const lens = texts.map((t) => (t.length === 0 ? 0 : utf8Length(t)));
  const total = lens.reduce((a, b) => a + b, 0);
  const ends = new Uint32Array(texts.length);
  let acc = 0;
  lens.forEach((l, i) => {
    acc += l;
    ends[i] = acc;
  });
  const endBytes = new Uint8Array(ends.buffer);
  // One allocation: [ends (4-aligned) | text | policy].
  const size = endBytes.length + total + policy.length;
  wasmMemoryNeeded(
    size + 4 * total,
    `encoding a batch of ${total} bytes`,
    "encode fewer or shorter texts per call (or StreamEncoder / encodeFile for big inputs)",
  );
  const ptr = w.alloc(size);
  try {
    const mem = new Uint8Array(w.core.memory.buffer);
    mem.set(endBytes, ptr);
    const textPtr = ptr + endBytes.length;
    let off = textPtr;
    texts.forEach((t, i) => {
      if (t.length > 0) utf8.encodeInto(t, mem.subarray(off, off + (lens[i] as number)));
      off += lens[i] as number;
    });
    mem.set(policy, off);
    w.check(x.encoder_encode_batch(handle, textPtr, total, ptr, texts.length, off, policy.length));
    const all = takeIds(w, x.ids_len());
    const idEnds = new Uint32Array(w.core.memory.buffer, u32(x.ends_ptr()), texts.length);
    const out: Uint32Array[] = [];
    let start = 0;
    for (const end of idEnds) {
      out.push(all.subarray(start, end));
      start = end;
    }
    return out;
  } finally {
    w.core.dealloc(ptr, size);
  }
}

/** Ids decoded per call: the ids and their bytes never pile up in WASM memory, whatever the total. */
const DECODE_IDS = 1 << 22;

/** Bytes of `ids` concatenated; ids must already be validated against the vocab size. */
export function decodeRaw(handle: number, ids: Uint32Array): Uint8Array {
  if (ids.length <= DECODE_IDS) return decodeSome(handle, ids);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < ids.length; at += DECODE_IDS) parts.push(decodeSome(handle, ids.subarray(at, at + DECODE_IDS)));
  return concat(parts);
}

function decodeSome(handle: number, ids: Uint32Array): Uint8Array {
  const w = instance();
  const x = exportsOf(w);
  const bytes = ids.length * 4;
  const ptr = w.alloc(bytes);
  try {
    new Uint32Array(w.core.memory.buffer, ptr, ids.length).set(ids);
    w.check(x.encoder_decode(handle, ptr, ids.length));
    return w.takeResult();
  } finally {
    w.core.dealloc(ptr, bytes);
  }
}

export function tokenBytes(handle: number, id: number): Uint8Array {
  const w = instance();
  w.check(exportsOf(w).encoder_token_bytes(handle, id));
  return w.takeResult();
}
