// The byte-level BPE tokenizer (CS336 §2.6): encode, encodeBatch, decode, streaming (`encodeIterable`,
// `stream`) and an incremental decoder. Each Tokenizer owns one encoder (encoder-core.ts) on the process's
// backend (native-load.ts): a handle in the thread's shared WASM instance or the native addon's Encoder,
// freed when the Tokenizer is garbage-collected or disposed (`using`). Loading from files lives in
// tokenizer-files.ts; the special-token policy in special-policy.ts.
import type { EncoderCore, EncoderSource } from "./encoder-core.ts";
import { NativeEncoderCore } from "./encoder-native.ts";
import { WasmEncoder } from "./encoder-wasm.ts";
import { aTypeName, typeName } from "./errors.ts";
import { IncrementalDecoder } from "./incremental-decoder.ts";
import { type Backend, defaultBackend } from "./native-load.ts";
import type { TiktokenRanks } from "./readers.ts";
import { resolvePolicy, type SpecialOptions } from "./special-policy.ts";
import { encodeChunks, encodeChunksSync, type StreamCore, StreamEncoder } from "./streaming.ts";
import { directoryFiles, type FromFilesOptions, filesSource } from "./tokenizer-files.ts";

/** Id → token bytes, as a Map (CS336's `vocab`) or an array indexed by id. Ids must be 0..n-1. */
export type VocabInput = ReadonlyMap<number, Uint8Array> | readonly Uint8Array[];
/** Merges in order of creation (rank order). */
export type MergesInput = ReadonlyArray<readonly [Uint8Array, Uint8Array]>;

const NO_IDS = new Uint32Array(0);
// ignoreBOM: a leading U+FEFF is text to round-trip, not a byte-order mark to drop.
const textDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array;

/**
 * The shapes a source's JS values must have, checked before anything is copied into the core: WASM's copy
 * read a string or a hole as zero bytes, the addon failed in napi's words, and an id of 2^32 + 256 became
 * 256 on both.
 */
function checkSource(src: EncoderSource): void {
  if (src.kind === "ranks") {
    const tokens = src.tokens;
    if (!Array.isArray(tokens)) throw new TypeError(`tokens must be an array of Uint8Arrays; got ${aTypeName(tokens)}`);
    for (let i = 0; i < tokens.length; i++) {
      if (!isBytes(tokens[i])) {
        throw new TypeError(`rank ${i} must be a Uint8Array of token bytes; got ${aTypeName(tokens[i])}`);
      }
    }
  }
  if (src.kind === "merges" || src.kind === "gpt2Files" || src.kind === "tokenizerJson") {
    const list = src.specials;
    if (!Array.isArray(list)) {
      throw new TypeError(
        `specialTokens must be an array of strings, such as ["<|endoftext|>"]; got ${aTypeName(list)}`,
      );
    }
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] !== "string") {
        throw new TypeError(`special token ${i} must be a string; got ${aTypeName(list[i])}`);
      }
    }
    return;
  }
  const ids = src.specials;
  if (typeof ids !== "object" || ids === null || Array.isArray(ids)) {
    throw new TypeError(`specialTokens must be an object of { token: id }; got ${aTypeName(ids)}`);
  }
  for (const [name, id] of Object.entries(ids)) {
    if (Number.isInteger(id) && id >= 0 && id <= 0xffffffff) continue;
    const shown = typeof id === "number" ? String(id) : typeof id === "string" ? JSON.stringify(id) : aTypeName(id);
    throw new RangeError(
      `special token ${JSON.stringify(name)} has id ${shown}; ids are whole numbers from 0 to 4294967295`,
    );
  }
}

function denseVocab(vocab: VocabInput): Uint8Array[] {
  if (Array.isArray(vocab)) {
    for (let i = 0; i < vocab.length; i++) {
      if (!isBytes(vocab[i])) {
        throw new TypeError(`vocab entry ${i} must be a Uint8Array of token bytes; got ${aTypeName(vocab[i])}`);
      }
    }
    return vocab as Uint8Array[];
  }
  const map = vocab as ReadonlyMap<number, Uint8Array>;
  const out: Uint8Array[] = new Array(map.size);
  for (const [id, bytes] of map) {
    if (!Number.isInteger(id) || id < 0 || id >= map.size) {
      const missing = [...Array(map.size).keys()].find((i) => !map.has(i));
      throw new RangeError(`vocab ids must be 0..${map.size - 1} without gaps; id ${missing} is missing (found ${id})`);
    }
    if (!isBytes(bytes)) {
      throw new TypeError(`vocab entry ${id} must be a Uint8Array of token bytes; got ${aTypeName(bytes)}`);
    }
    out[id] = bytes;
  }
  return out;
}

function vocabSource(vocab: VocabInput, merges: MergesInput, specials: readonly string[]): EncoderSource {
  const flat: Uint8Array[] = [];
  let k = 0;
  for (const m of merges) {
    if (!Array.isArray(m) || m.length !== 2 || !isBytes(m[0]) || !isBytes(m[1])) {
      const got = Array.isArray(m) ? `[${m.map(typeName).join(", ")}]` : aTypeName(m);
      throw new TypeError(`merge ${k} must be a pair of Uint8Arrays (the two tokens' bytes); got ${got}`);
    }
    flat.push(m[0], m[1]);
    k++;
  }
  return { kind: "merges", vocab: denseVocab(vocab), merges: flat, specials };
}

function rankTextSource(
  lines: string | Uint8Array,
  specials: Readonly<Record<string, number>>,
  encoding: string,
): EncoderSource {
  const text = typeof lines === "string" ? new TextEncoder().encode(lines) : lines;
  return { kind: "rankFile", text, specials, name: encoding };
}

function newEncoder(backend: Backend, src: EncoderSource): EncoderCore {
  return backend === "native" ? new NativeEncoderCore(src) : new WasmEncoder(src);
}

// Set in Tokenizer's static block: module functions below reach its private constructor and encoder.
let construct: (encoder: EncoderCore) => Tokenizer;
let encoderOfTokenizer: (t: Tokenizer) => EncoderCore;

export class Tokenizer {
  /** Number of ids (ranked or merged tokens, bytes and special tokens). */
  readonly vocabSize: number;
  /** Special tokens in construction order, and their ids. */
  readonly specialTokens: readonly string[];
  readonly specialTokenIds: ReadonlyMap<string, number>;
  #encoder: EncoderCore | undefined;

  static {
    construct = (encoder) => new Tokenizer(encoder);
    encoderOfTokenizer = (t) => t.encoder;
  }

  private constructor(encoder: EncoderCore) {
    this.#encoder = encoder;
    this.vocabSize = encoder.vocabSize;
    this.specialTokens = Object.freeze([...encoder.specialTokens]);
    const ids = encoder.specialIds;
    this.specialTokenIds = new Map(encoder.specialTokens.map((s, i) => [s, ids[i] as number]));
  }

  /**
   * From vocab + merges (CS336, GPT-2 files, HF tokenizer.json). Special tokens already in the vocab keep
   * their id; the others are appended after it.
   */
  static fromVocab(vocab: VocabInput, merges: MergesInput, specialTokens: readonly string[] = []): Tokenizer {
    return tokenizerOn(defaultBackend()).fromVocab(vocab, merges, specialTokens);
  }

  /** From tiktoken ranks (see `parseTiktokenRanks`): a token's rank is its id and its merge priority. */
  static fromRanks(ranks: TiktokenRanks): Tokenizer {
    return tokenizerOn(defaultBackend()).fromRanks(ranks);
  }

  /**
   * From files: `{ vocab, merges, specialTokens? }` (GPT-2 vocab.json + merges.txt), `{ tokenizerJson }`
   * (Hugging Face), or `{ tiktoken }` (a `.tiktoken` file or the tiktoken npm package's encoders/*.json).
   */
  static fromFiles(opts: FromFilesOptions): Tokenizer {
    return tokenizerOn(defaultBackend()).fromFiles(opts);
  }

  /** From a directory as `train-bpe` writes it (tokenizer.json, or vocab.json + merges.txt). */
  static fromDirectory(dir: string, specialTokens?: readonly string[]): Tokenizer {
    return tokenizerOn(defaultBackend()).fromDirectory(dir, specialTokens);
  }

  /**
   * From tiktoken rank text: `.tiktoken` lines (`base64token rank`) or the `bpe_ranks` string of the
   * tiktoken npm package's encoders/*.json (or that whole JSON). Parsed inside the core, the fastest way to
   * load GPT-2. A bare `.tiktoken` text does not record its pre-tokenizer pattern: pass `encoding`
   * ("cl100k_base", "o200k_base") for those; without it a text too large for GPT-2's family is refused.
   */
  static fromRankText(
    lines: string | Uint8Array,
    specialTokens: Readonly<Record<string, number>> = {},
    encoding = "",
  ): Tokenizer {
    return tokenizerOn(defaultBackend()).fromRankText(lines, specialTokens, encoding);
  }

  private get encoder(): EncoderCore {
    if (!this.#encoder) throw new Error("this tokenizer was disposed; create a new one to keep encoding");
    return this.#encoder;
  }

  /** Token ids of `text`. */
  encode(text: string, opts?: SpecialOptions): Uint32Array {
    if (typeof text !== "string") throw new TypeError(`encode expects a string, got ${typeof text}`);
    const policy = resolvePolicy(this.specialTokens, opts);
    const encoder = this.encoder; // a disposed tokenizer refuses "" too
    if (text.length === 0) return NO_IDS;
    return encoder.encodeText(NO_BYTES, text, policy, true, 0).ids;
  }

  /** Token ids of each text, in one call into the core. */
  encodeBatch(texts: readonly string[], opts?: SpecialOptions): Uint32Array[] {
    for (const t of texts) if (typeof t !== "string") throw new TypeError("encodeBatch expects an array of strings");
    return this.encoder.encodeBatch(texts, resolvePolicy(this.specialTokens, opts));
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

  // `encoder` is read on every push, never captured: a disposed tokenizer's WASM slot may be reused by
  // another encoder, and a stream outliving dispose() must fail rather than encode with that other one.
  private streamCore(opts?: SpecialOptions): StreamCore {
    void this.encoder; // fail now if already disposed
    const policy = resolvePolicy(this.specialTokens, opts);
    const tok = this;
    return {
      get encoder() {
        return tok.encoder;
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
    const encoder = this.encoder; // a disposed tokenizer refuses no ids too
    const list = this.checkIds(ids);
    return list.length === 0 ? NO_BYTES : encoder.decode(list);
  }

  /** A UTF-8-safe decoder for a stream of ids. */
  decoder(): IncrementalDecoder {
    return new IncrementalDecoder(this);
  }

  /** The bytes of one token. */
  tokenBytes(id: number): Uint8Array {
    this.checkIds([id]);
    return this.encoder.tokenBytes(id);
  }

  private checkIds(ids: ArrayLike<number> | Iterable<number>): Uint32Array {
    // A number or a string was read as no ids (decode(5) gave "") or as its digits ("123" as 1, 2, 3).
    if (typeof ids !== "object" || ids === null || !(Symbol.iterator in ids || "length" in ids)) {
      throw new TypeError(`decode expects an array or iterable of token ids; got ${aTypeName(ids)}`);
    }
    const arr: ArrayLike<unknown> =
      ids instanceof Uint32Array || Array.isArray(ids) ? ids : Array.from(ids as Iterable<number>);
    const n = this.vocabSize;
    for (let i = 0; i < arr.length; i++) {
      const id = arr[i];
      if (typeof id !== "number") {
        const got = typeof id === "string" ? `the string ${JSON.stringify(id)}` : aTypeName(id);
        throw new TypeError(`token ids must be numbers; got ${got} at index ${i}`);
      }
      if (!(Number.isInteger(id) && id >= 0 && id < n)) throw new RangeError(`token id ${id} not in [0, ${n})`);
    }
    return arr instanceof Uint32Array ? arr : Uint32Array.from(arr as ArrayLike<number>);
  }

  /** Frees the encoder now (its WASM memory or native object); later calls throw. Safe to call twice. */
  dispose(): void {
    const encoder = this.#encoder;
    if (!encoder) return;
    this.#encoder = undefined;
    encoder.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

const NO_BYTES = new Uint8Array(0);

/** Tokenizer's constructors on a chosen backend (tests run both in one process; the API uses the process's). */
export function tokenizerOn(backend: Backend) {
  const make = (src: EncoderSource) => {
    checkSource(src);
    return construct(newEncoder(backend, src));
  };
  return {
    fromVocab: (vocab: VocabInput, merges: MergesInput, specialTokens: readonly string[] = []) =>
      make(vocabSource(vocab, merges, specialTokens)),
    fromRanks: (ranks: TiktokenRanks) => make({ kind: "ranks", tokens: ranks.tokens, specials: ranks.specialTokens }),
    fromFiles: (opts: FromFilesOptions) => make(filesSource(opts)),
    fromDirectory: (dir: string, specialTokens?: readonly string[]) =>
      make(filesSource(directoryFiles(dir, specialTokens))),
    fromRankText: (lines: string | Uint8Array, specialTokens: Readonly<Record<string, number>> = {}, encoding = "") =>
      make(rankTextSource(lines, specialTokens, encoding)),
  };
}

/** The encoder behind `t` (encodeFile hands the native one whole file ranges); throws once disposed. */
export function encoderOf(t: Tokenizer): EncoderCore {
  return encoderOfTokenizer(t);
}
