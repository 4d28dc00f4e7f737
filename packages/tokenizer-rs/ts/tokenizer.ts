// The byte-level BPE tokenizer (CS336 §2.6) over the WASM core: encode, encodeBatch, decode, streaming
// (`encodeIterable`, `stream`) and an incremental decoder. Each Tokenizer owns one encoder inside the
// thread's shared WASM instance, freed when the Tokenizer is garbage-collected or disposed (`using`).
// Loading from files lives in tokenizer-files.ts; the special-token policy in special-policy.ts.
import {
  createEncoder,
  decodeRaw,
  encodeBatchRaw,
  encodeRaw,
  release,
  specialIds,
  specialTokens,
  tokenBytes,
  vocabSize,
} from "./encoder-wasm.ts";
import { IncrementalDecoder } from "./incremental-decoder.ts";
import { resolvePolicy, type SpecialOptions } from "./special-policy.ts";
import { encodeChunks, encodeChunksSync, type StreamCore, StreamEncoder } from "./streaming.ts";
import type { TiktokenRanks } from "./readers.ts";
import { directoryFiles, encoderFromFiles, type FromFilesOptions, specialParts } from "./tokenizer-files.ts";
import { byteList, encodeStringList } from "./wasm.ts";

/** Id → token bytes, as a Map (CS336's `vocab`) or an array indexed by id. Ids must be 0..n-1. */
export type VocabInput = ReadonlyMap<number, Uint8Array> | readonly Uint8Array[];
/** Merges in order of creation (rank order). */
export type MergesInput = ReadonlyArray<readonly [Uint8Array, Uint8Array]>;

const NO_IDS = new Uint32Array(0);
// ignoreBOM: a leading U+FEFF is text to round-trip, not a byte-order mark to drop.
const textDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function denseVocab(vocab: VocabInput): Uint8Array[] {
  if (Array.isArray(vocab)) return vocab as Uint8Array[];
  const map = vocab as ReadonlyMap<number, Uint8Array>;
  const out: Uint8Array[] = new Array(map.size);
  for (const [id, bytes] of map) {
    if (!Number.isInteger(id) || id < 0 || id >= map.size) {
      const missing = [...Array(map.size).keys()].find((i) => !map.has(i));
      throw new RangeError(`vocab ids must be 0..${map.size - 1} without gaps; id ${missing} is missing (found ${id})`);
    }
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`vocab entry ${id} must be a Uint8Array of token bytes`);
    out[id] = bytes;
  }
  return out;
}

export class Tokenizer {
  /** Number of ids (ranked or merged tokens, bytes and special tokens). */
  readonly vocabSize: number;
  /** Special tokens in construction order, and their ids. */
  readonly specialTokens: readonly string[];
  readonly specialTokenIds: ReadonlyMap<string, number>;
  #handle: number;

  private constructor(handle: number) {
    this.#handle = handle;
    this.vocabSize = vocabSize(handle);
    const specials = specialTokens(handle);
    this.specialTokens = Object.freeze(specials);
    const ids = specialIds(handle);
    this.specialTokenIds = new Map(specials.map((s, i) => [s, ids[i] as number]));
  }

  /**
   * From vocab + merges (CS336, GPT-2 files, HF tokenizer.json). Special tokens already in the vocab keep
   * their id; the others are appended after it.
   */
  static fromVocab(vocab: VocabInput, merges: MergesInput, specialTokens: readonly string[] = []): Tokenizer {
    const flat: Uint8Array[] = [];
    for (const m of merges) flat.push(m[0], m[1]);
    const owner = {};
    const parts = [byteList(denseVocab(vocab)), byteList(flat), encodeStringList(specialTokens)];
    return Tokenizer.adopt(owner, createEncoder(owner, "merges", parts));
  }

  /** From tiktoken ranks (see `parseTiktokenRanks`): a token's rank is its id and its merge priority. */
  static fromRanks(ranks: TiktokenRanks): Tokenizer {
    const owner = {};
    const parts = [byteList(ranks.tokens), ...specialParts(ranks.specialTokens)];
    return Tokenizer.adopt(owner, createEncoder(owner, "ranks", parts));
  }

  /**
   * From files: `{ vocab, merges, specialTokens? }` (GPT-2 vocab.json + merges.txt), `{ tokenizerJson }`
   * (Hugging Face), or `{ tiktoken }` (a `.tiktoken` file or the tiktoken npm package's encoders/*.json).
   */
  static fromFiles(opts: FromFilesOptions): Tokenizer {
    const owner = {};
    return Tokenizer.adopt(owner, encoderFromFiles(owner, opts));
  }

  /** From a directory as `train-bpe` writes it (tokenizer.json, or vocab.json + merges.txt). */
  static fromDirectory(dir: string, specialTokens?: readonly string[]): Tokenizer {
    return Tokenizer.fromFiles(directoryFiles(dir, specialTokens));
  }

  /**
   * From tiktoken rank text: `.tiktoken` lines (`base64token rank`) or the `bpe_ranks` string of the
   * tiktoken npm package's encoders/*.json (or that whole JSON). Parsed inside WASM, the fastest way to
   * load GPT-2. A bare `.tiktoken` text does not record its pre-tokenizer pattern: pass `encoding`
   * ("cl100k_base", "o200k_base") for those; without it a text too large for GPT-2's family is refused.
   */
  static fromRankText(
    lines: string | Uint8Array,
    specialTokens: Readonly<Record<string, number>> = {},
    encoding = "",
  ): Tokenizer {
    const text = typeof lines === "string" ? new TextEncoder().encode(lines) : lines;
    const owner = {};
    const parts = [text, ...specialParts(specialTokens), encodeStringList([encoding])];
    return Tokenizer.adopt(owner, createEncoder(owner, "rankFile", parts));
  }

  // The finalizer is registered on `owner`, a stand-in object, so that the Tokenizer can be
  // constructed after the handle exists; the Tokenizer keeps `owner` alive by holding it.
  private static adopt(owner: object, handle: number): Tokenizer {
    let t: Tokenizer;
    try {
      t = new Tokenizer(handle);
    } catch (e) {
      release(owner, handle);
      throw e;
    }
    t.#owner = owner;
    return t;
  }

  #owner: object | undefined;

  private get handle(): number {
    if (this.#handle === 0) throw new Error("this tokenizer was disposed; create a new one to keep encoding");
    return this.#handle;
  }

  /** Token ids of `text`. */
  encode(text: string, opts?: SpecialOptions): Uint32Array {
    if (typeof text !== "string") throw new TypeError(`encode expects a string, got ${typeof text}`);
    const policy = resolvePolicy(this.specialTokens, opts);
    if (text.length === 0) return NO_IDS;
    return encodeRaw(this.handle, NO_BYTES, text, policy, true, 0).ids;
  }

  /** Token ids of each text, in one call into WASM. */
  encodeBatch(texts: readonly string[], opts?: SpecialOptions): Uint32Array[] {
    for (const t of texts) if (typeof t !== "string") throw new TypeError("encodeBatch expects an array of strings");
    return encodeBatchRaw(this.handle, texts, resolvePolicy(this.specialTokens, opts));
  }

  /** Exactly the ids of encoding the concatenated chunks, one id at a time (CS336's `encode_iterable`). */
  async *encodeIterable(
    chunks: Iterable<string> | AsyncIterable<string>,
    opts?: SpecialOptions,
  ): AsyncGenerator<number, void, undefined> {
    for await (const ids of this.encodeChunks(chunks, opts)) yield* ids;
  }

  /** The same ids, grouped per chunk (no per-id overhead). */
  encodeChunks(chunks: Iterable<string> | AsyncIterable<string>, opts?: SpecialOptions): AsyncGenerator<Uint32Array> {
    return encodeChunks(this.streamCore(opts), chunks);
  }

  /** Sync form of `encodeChunks` for sync iterables. */
  encodeChunksSync(chunks: Iterable<string>, opts?: SpecialOptions): Generator<Uint32Array> {
    return encodeChunksSync(this.streamCore(opts), chunks);
  }

  /**
   * A push-style stream: `push(chunk)` returns ids made final, `finish()` the rest. `offset` is where the
   * stream starts in a larger file, so errors (invalid UTF-8) name absolute byte offsets.
   */
  stream(opts?: SpecialOptions & { offset?: number }): StreamEncoder {
    return new StreamEncoder(this.streamCore(opts), opts?.offset ?? 0);
  }

  // `handle` is read on every push, never captured: a disposed tokenizer's slot may be reused by another
  // encoder, and a stream outliving dispose() must fail rather than encode with that other tokenizer.
  private streamCore(opts?: SpecialOptions): StreamCore {
    void this.handle; // fail now if already disposed
    const policy = resolvePolicy(this.specialTokens, opts);
    const tok = this;
    return {
      get handle() {
        return tok.handle;
      },
      policy,
      owner: this,
    };
  }

  /** Text of `ids`; malformed UTF-8 (e.g. half a character) becomes U+FFFD. */
  decode(ids: ArrayLike<number> | Iterable<number>): string {
    return textDecoder.decode(this.decodeBytes(ids));
  }

  /** Bytes of `ids`; an id outside the vocab is a RangeError naming it. */
  decodeBytes(ids: ArrayLike<number> | Iterable<number>): Uint8Array {
    const list = this.checkIds(ids);
    return list.length === 0 ? NO_BYTES : decodeRaw(this.handle, list);
  }

  /** A UTF-8-safe decoder for a stream of ids. */
  decoder(): IncrementalDecoder {
    return new IncrementalDecoder(this);
  }

  /** The bytes of one token. */
  tokenBytes(id: number): Uint8Array {
    this.checkIds([id]);
    return tokenBytes(this.handle, id);
  }

  private checkIds(ids: ArrayLike<number> | Iterable<number>): Uint32Array {
    const arr: ArrayLike<number> =
      ids instanceof Uint32Array || Array.isArray(ids) ? ids : Array.from(ids as Iterable<number>);
    const n = this.vocabSize;
    for (let i = 0; i < arr.length; i++) {
      const id = arr[i] as number;
      if (!(Number.isInteger(id) && id >= 0 && id < n)) throw new RangeError(`token id ${id} not in [0, ${n})`);
    }
    return arr instanceof Uint32Array ? arr : Uint32Array.from(arr);
  }

  /** Frees the WASM-side encoder now; later calls throw. Safe to call twice. */
  dispose(): void {
    if (this.#handle === 0 || !this.#owner) return;
    release(this.#owner, this.#handle);
    this.#handle = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

const NO_BYTES = new Uint8Array(0);
