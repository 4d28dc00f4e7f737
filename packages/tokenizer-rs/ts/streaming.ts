// Streaming encode: feed chunks (strings or raw UTF-8 bytes), get back the ids that are final so far; the
// ids of all pushes plus `finish()` equal those of encoding the concatenation at once, for any chunking.
// Only the unstable tail is carried (a partial character or surrogate pair, a possible partial special
// token, the last two pre-tokens of open text — see src/encode/stream.rs), so memory is bounded by the
// chunk size except inside one pre-token that never ends (a gigabyte of spaces is one pre-token). A long
// carry (text without whitespace) is encoded again only once as many new bytes have come: each call
// re-reads the carry, so calling at every chunk made such a stretch cost its length squared.
import type { EncoderCore } from "./encoder-core.ts";
import { aTypeName } from "./errors.ts";
import { concat } from "./wasm.ts";

/**
 * What a stream needs from its tokenizer; `owner` keeps the tokenizer (and so its encoder) alive, and
 * `encoder` throws once the tokenizer is disposed.
 */
export type StreamCore = { readonly encoder: EncoderCore; readonly policy: Uint8Array; readonly owner: object };

const EMPTY = new Uint8Array(0);
const NO_IDS = new Uint32Array(0);

/** From this many bytes of carry, chunks wait until they add up to the carry before they are encoded. */
const LONG_CARRY = 64 << 10;

export class StreamEncoder {
  private carry: Uint8Array = EMPTY;
  /** A high surrogate that ended the last string chunk; its pair starts the next one. */
  private surrogate = "";
  private done = false;
  /** Chunks held while the carry is long (all strings or all bytes), and their length. */
  private waiting: string[] | Uint8Array[] = [];
  private waitingBytes = 0;

  /** `base` is the stream offset of carry[0] (the stream's start in a file), for error messages. */
  constructor(
    private readonly core: StreamCore,
    private base = 0,
  ) {
    if (!Number.isSafeInteger(base) || base < 0) {
      const got = typeof base === "number" ? String(base) : aTypeName(base);
      throw new RangeError(`offset must be a non-negative integer (a byte offset), got ${got}`);
    }
  }

  /** Ids made final by this chunk (none while a long carry waits for more text). */
  push(chunk: string): Uint32Array {
    this.open();
    // Checked, not coerced: `surrogate + chunk` made a Uint8Array the text "104,105" and undefined "undefined".
    if (typeof chunk !== "string") {
      throw new TypeError(`push expects a string; got ${aTypeName(chunk)} (use pushBytes for UTF-8 bytes)`);
    }
    let text = this.surrogate + chunk;
    this.surrogate = "";
    const lastUnit = text.charCodeAt(text.length - 1);
    if (lastUnit >= 0xd800 && lastUnit <= 0xdbff) {
      this.surrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    const before = this.waiting.length > 0 && typeof this.waiting[0] !== "string" ? this.flushBytes() : NO_IDS;
    if (this.wait(text, text.length)) return before;
    const queued = this.waiting as string[];
    if (queued.length > 0) text = queued.join("") + text;
    this.waiting = [];
    this.waitingBytes = 0;
    const r = this.core.encoder.encodeText(this.carry, text, this.core.policy, false, this.base);
    return join(before, this.took(r));
  }

  /** Same for raw UTF-8 bytes (a character may be split across chunks). */
  pushBytes(chunk: Uint8Array): Uint32Array {
    this.open();
    // WASM's typed-array copy read a string's characters as NaN, that is as zero bytes.
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`pushBytes expects a Uint8Array of UTF-8 bytes; got ${aTypeName(chunk)} (use push for text)`);
    }
    if (this.surrogate) throw new Error("cannot mix string and byte chunks in one stream");
    const before = this.waiting.length > 0 && typeof this.waiting[0] === "string" ? this.flushText() : NO_IDS;
    if (this.wait(chunk, chunk.length)) return before;
    return join(before, this.flushBytes(chunk));
  }

  /** The remaining ids; the stream cannot be used afterwards. */
  finish(): Uint32Array {
    this.open();
    this.done = true;
    const queued = this.waiting;
    this.waiting = [];
    const r =
      queued.length > 0 && typeof queued[0] !== "string"
        ? this.core.encoder.encodeBytes(this.carry, concat(queued as Uint8Array[]), this.core.policy, true, this.base)
        : this.core.encoder.encodeText(
            this.carry,
            (queued as string[]).join("") + this.surrogate,
            this.core.policy,
            true,
            this.base,
          );
    this.carry = EMPTY;
    return r.ids;
  }

  /** Bytes held back so far (for tests of bounded memory). */
  get pending(): number {
    return this.carry.length + this.waitingBytes;
  }

  /** Holds `chunk` back while the carry is long and the chunks held do not yet add up to it. */
  private wait(chunk: string | Uint8Array, size: number): boolean {
    if (this.carry.length < LONG_CARRY || this.waitingBytes + size >= this.carry.length) return false;
    // A held chunk outlives this call: copy bytes, since callers reuse their read buffers.
    (this.waiting as (string | Uint8Array)[]).push(typeof chunk === "string" ? chunk : chunk.slice());
    this.waitingBytes += size;
    return true;
  }

  private flushText(): Uint32Array {
    const text = (this.waiting as string[]).join("");
    this.waiting = [];
    this.waitingBytes = 0;
    return this.took(this.core.encoder.encodeText(this.carry, text, this.core.policy, false, this.base));
  }

  private flushBytes(last?: Uint8Array): Uint32Array {
    const parts = this.waiting as Uint8Array[];
    if (last) parts.push(last);
    this.waiting = [];
    this.waitingBytes = 0;
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts);
    return this.took(this.core.encoder.encodeBytes(this.carry, bytes, this.core.policy, false, this.base));
  }

  private took(r: { ids: Uint32Array; consumed: number; carry: Uint8Array }): Uint32Array {
    this.base += r.consumed;
    this.carry = r.carry;
    return r.ids;
  }

  private open(): void {
    if (this.done) throw new Error("this stream is finished; start a new one with tokenizer.stream()");
  }
}

function join(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0) return b;
  const out = new Uint32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function isAsync<T>(x: Iterable<T> | AsyncIterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
}

/** Ids per chunk for a sync or async iterable of strings (the efficient form of `encodeIterable`). */
export async function* encodeChunks(
  core: StreamCore,
  chunks: Iterable<string> | AsyncIterable<string>,
): AsyncGenerator<Uint32Array> {
  const s = new StreamEncoder(core);
  if (isAsync(chunks)) {
    for await (const c of chunks) yield checkString(s, c);
  } else {
    for (const c of chunks) yield checkString(s, c);
  }
  yield s.finish();
}

/** The sync form, for sync iterables. */
export function* encodeChunksSync(core: StreamCore, chunks: Iterable<string>): Generator<Uint32Array> {
  const s = new StreamEncoder(core);
  for (const c of chunks) yield checkString(s, c);
  yield s.finish();
}

function checkString(s: StreamEncoder, c: unknown): Uint32Array {
  if (typeof c !== "string") throw new TypeError(`encodeIterable expects chunks of text (strings), got ${typeof c}`);
  return s.push(c);
}
