// The encoder's side of the WASM boundary (src/wasm/encode.rs): one shared instance per thread, handles
// to encoders in it, and the calls that move text in as UTF-8 bytes and ids out as one Uint32Array copy.
// Every encoder handle is freed by a FinalizationRegistry when its WasmEncoder is collected, or at once by
// `release` (a Tokenizer's dispose); the instance itself lives as long as the thread.
import type { EncoderCore, Encoded, EncoderSource } from "./encoder-core.ts";
import { batchLayout, splitIds, utf8Length, writeBatch } from "./encoder-core.ts";
import {
  byteList,
  concat,
  encodeStringList,
  idList,
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

/** `{ name: id }` as the core's two lists: names, and ids (u32 LE). */
function specialParts(specials: Readonly<Record<string, number>>): [Uint8Array, Uint8Array] {
  const names = Object.keys(specials);
  return [encodeStringList(names), idList(names.map((n) => specials[n] as number))];
}

/**
 * The core's constructor export for `src` and its inputs as byte parts, in order (lists are wasm.ts
 * `byteList`, `encodeStringList`, `idList`; src/wasm/encode.rs).
 */
function makerOf(src: EncoderSource): [Make, Uint8Array[]] {
  const x = exportsOf(instance());
  switch (src.kind) {
    case "merges":
      return [x.encoder_from_merges, [byteList(src.vocab), byteList(src.merges), encodeStringList(src.specials)]];
    case "ranks":
      return [x.encoder_from_ranks, [byteList(src.tokens), ...specialParts(src.specials)]];
    case "rankFile":
      return [x.encoder_from_rank_file, [src.text, ...specialParts(src.specials), encodeStringList([src.name])]];
    case "gpt2Files":
      return [
        x.encoder_from_gpt2_files,
        [src.vocab, src.merges, encodeStringList(src.specials), encodeStringList([src.vocabName, src.mergesName])],
      ];
    case "tokenizerJson":
      return [x.encoder_from_tokenizer_json, [src.text, encodeStringList(src.specials), encodeStringList([src.name])]];
  }
}

/** An encoder in this thread's shared instance, freed when collected (the registry) or by `release`. */
export class WasmEncoder implements EncoderCore {
  readonly backend = "wasm";
  readonly vocabSize: number;
  readonly specialTokens: string[];
  readonly specialIds: Uint32Array;
  readonly #handle: number;

  constructor(src: EncoderSource) {
    const w = instance();
    const x = exportsOf(w);
    const [make, parts] = makerOf(src);
    const h = w.callWith(parts, make);
    if (h === 0) throw w.error();
    this.#handle = h;
    registry.register(this, h, this);
    try {
      this.vocabSize = w.check(x.encoder_vocab_size(h));
      w.check(x.encoder_special_tokens(h));
      this.specialTokens = readStringList(w.takeResult());
      this.specialIds = takeIds(w, w.check(x.encoder_special_ids(h)));
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /** Frees the handle now and stops the finalizer from freeing it again. */
  release(): void {
    registry.unregister(this);
    exportsOf(instance()).encoder_free(this.#handle);
  }

  encodeText(prefix: Uint8Array, text: string, policy: Uint8Array, last: boolean, base: number): Encoded {
    const len = text.length === 0 ? 0 : utf8Length(text);
    return encodeInto(this.#handle, prefix, len, policy, last, base, (mem) => {
      if (len > 0) utf8.encodeInto(text, mem);
    });
  }

  /**
   * Both parts are copied straight into WASM memory, so a stream's carry is never concatenated with the
   * next chunk in JS (that was a chunk-sized garbage array per push).
   */
  encodeBytes(prefix: Uint8Array, bytes: Uint8Array, policy: Uint8Array, last: boolean, base: number): Encoded {
    return encodeInto(this.#handle, prefix, bytes.length, policy, last, base, (mem) => mem.set(bytes));
  }

  encodeBatch(texts: readonly string[], policy: Uint8Array): Uint32Array[] {
    return encodeBatchRaw(this.#handle, texts, policy);
  }

  decode(ids: Uint32Array): Uint8Array {
    return decodeRaw(this.#handle, ids);
  }

  tokenBytes(id: number): Uint8Array {
    const w = instance();
    w.check(exportsOf(w).encoder_token_bytes(this.#handle, id));
    return w.takeResult();
  }
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
 * Encodes `prefix` followed by `len` bytes that `write` puts into the WASM memory it is handed: all of
 * it with `last`, otherwise its stable prefix, the rest returned as `carry` (a copy).
 */
function encodeInto(
  handle: number,
  prefix: Uint8Array,
  len: number,
  policy: Uint8Array,
  last: boolean,
  base: number,
  write: (mem: Uint8Array) => void,
): Encoded {
  const w = instance();
  const total = prefix.length + len;
  checkTextFits(total);
  const ptr = w.alloc(total + policy.length);
  try {
    const mem = new Uint8Array(w.core.memory.buffer);
    mem.set(prefix, ptr);
    write(mem.subarray(ptr + prefix.length, ptr + total));
    mem.set(policy, ptr + total);
    const { ids, consumed } = encodeInBlocks(w, handle, ptr, total, policy.length, last, base);
    const carry = last ? new Uint8Array(0) : w.view(ptr + consumed, total - consumed).slice();
    return { ids, consumed, carry };
  } finally {
    w.core.dealloc(ptr, total + policy.length);
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

/** Encodes many texts in one call; returns one Uint32Array per text (views of one shared copy). */
function encodeBatchRaw(handle: number, texts: readonly string[], policy: Uint8Array): Uint32Array[] {
  const w = instance();
  const x = exportsOf(w);
  const layout = batchLayout(texts);
  const total = layout.total;
  const endBytes = new Uint8Array(layout.ends.buffer);
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
    writeBatch(texts, layout, mem.subarray(textPtr, textPtr + total));
    const policyPtr = textPtr + total;
    mem.set(policy, policyPtr);
    w.check(x.encoder_encode_batch(handle, textPtr, total, ptr, texts.length, policyPtr, policy.length));
    const all = takeIds(w, x.ids_len());
    return splitIds(all, new Uint32Array(w.core.memory.buffer, u32(x.ends_ptr()), texts.length));
  } finally {
    w.core.dealloc(ptr, size);
  }
}

/** Ids decoded per call: the ids and their bytes never pile up in WASM memory, whatever the total. */
const DECODE_IDS = 1 << 22;

/** Bytes of `ids` concatenated; ids must already be validated against the vocab size. */
function decodeRaw(handle: number, ids: Uint32Array): Uint8Array {
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
