// Streaming encode: feed chunks (strings or raw UTF-8 bytes), get back the ids that are final so far; the
// ids of all pushes plus `finish()` equal those of encoding the concatenation at once, for any chunking.
// Only the unstable tail is carried (a partial character or surrogate pair, a possible partial special
// token, the last two pre-tokens of open text — see src/encode/stream.rs), so memory is bounded by the
// chunk size except inside one pre-token that never ends (a gigabyte of spaces is one pre-token).
import { encodeBytes, encodeRaw } from "./encoder-wasm.ts";

/** What a stream needs from its tokenizer; `owner` keeps the tokenizer (and so its encoder) alive. */
export type StreamCore = { readonly handle: number; readonly policy: Uint8Array; readonly owner: object };

const EMPTY = new Uint8Array(0);

export class StreamEncoder {
  private carry: Uint8Array = EMPTY;
  /** A high surrogate that ended the last string chunk; its pair starts the next one. */
  private surrogate = "";
  private done = false;

  /** `base` is the stream offset of carry[0] (the stream's start in a file), for error messages. */
  constructor(
    private readonly core: StreamCore,
    private base = 0,
  ) {}

  /** Ids made final by this chunk. */
  push(chunk: string): Uint32Array {
    this.open();
    let text = this.surrogate + chunk;
    this.surrogate = "";
    const lastUnit = text.charCodeAt(text.length - 1);
    if (lastUnit >= 0xd800 && lastUnit <= 0xdbff) {
      this.surrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    const r = encodeRaw(this.core.handle, this.carry, text, this.core.policy, false, this.base);
    this.base += r.consumed;
    this.carry = r.carry;
    return r.ids;
  }

  /** Same for raw UTF-8 bytes (a character may be split across chunks). */
  pushBytes(chunk: Uint8Array): Uint32Array {
    this.open();
    if (this.surrogate) throw new Error("cannot mix string and byte chunks in one stream");
    const r = encodeBytes(this.core.handle, this.carry, chunk, this.core.policy, false, this.base);
    this.base += r.consumed;
    this.carry = r.carry;
    return r.ids;
  }

  /** The remaining ids; the stream cannot be used afterwards. */
  finish(): Uint32Array {
    this.open();
    this.done = true;
    const r = encodeRaw(this.core.handle, this.carry, this.surrogate, this.core.policy, true, this.base);
    this.carry = EMPTY;
    return r.ids;
  }

  /** Bytes held back so far (for tests of bounded memory). */
  get pending(): number {
    return this.carry.length;
  }

  private open(): void {
    if (this.done) throw new Error("this stream is finished; start a new one with tokenizer.stream()");
  }
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
