// What a Tokenizer needs from an encoder, whichever build runs it: encoder-wasm.ts (a handle in the thread's
// WASM instance) or encoder-native.ts (the Node-API addon's Encoder). Both take the same sources and the same
// policy bytes (special-policy.ts) and give the same ids and the same TokenizerErrors; the Tokenizer, its
// streams and encodeFile are written once against this.
import type { Backend } from "./native-load.ts";

/**
 * Where an encoder's tokens come from, as the core's constructors take them (src/encode/*.rs): a vocab by
 * id with merges as a flat (left, right) list; tiktoken ranks; a rank file's bytes (`name` is its file or
 * encoding name); GPT-2 vocab.json + merges.txt bytes; a Hugging Face tokenizer.json. Special tokens are a
 * list where the source assigns ids, else names with the ids given.
 */
export type EncoderSource =
  | { kind: "merges"; vocab: readonly Uint8Array[]; merges: readonly Uint8Array[]; specials: readonly string[] }
  | { kind: "ranks"; tokens: readonly Uint8Array[]; specials: Readonly<Record<string, number>> }
  | { kind: "rankFile"; text: Uint8Array; specials: Readonly<Record<string, number>>; name: string }
  | {
      kind: "gpt2Files";
      vocab: Uint8Array;
      merges: Uint8Array;
      specials: readonly string[];
      vocabName: string;
      mergesName: string;
    }
  | { kind: "tokenizerJson"; text: Uint8Array; specials: readonly string[]; name: string };

/** Ids made final, how many input bytes they used, and the rest (a copy) to carry into the next call. */
export type Encoded = { ids: Uint32Array; consumed: number; carry: Uint8Array };

export interface EncoderCore {
  readonly backend: Backend;
  readonly vocabSize: number;
  /** Special tokens in construction order, and their ids. */
  readonly specialTokens: string[];
  readonly specialIds: Uint32Array;
  /**
   * Encodes `prefix` followed by the UTF-8 of `text` (either may be empty): all of it with `last`, else its
   * stable prefix. `base` is the stream offset of prefix[0], for error messages.
   */
  encodeText(prefix: Uint8Array, text: string, policy: Uint8Array, last: boolean, base: number): Encoded;
  /** The same for raw bytes already in hand (stream and file chunks). */
  encodeBytes(prefix: Uint8Array, bytes: Uint8Array, policy: Uint8Array, last: boolean, base: number): Encoded;
  /** Ids of each text in one call. */
  encodeBatch(texts: readonly string[], policy: Uint8Array): Uint32Array[];
  /** Bytes of `ids` concatenated; ids are already checked against the vocab size. */
  decode(ids: Uint32Array): Uint8Array;
  tokenBytes(id: number): Uint8Array;
  /** Frees what the encoder holds now (idempotence is the caller's job). */
  release(): void;
}

const utf8 = new TextEncoder();
const hasBuffer = typeof Buffer !== "undefined";

/** UTF-8 length of `s` (lone surrogates count as U+FFFD, as TextEncoder writes them). */
export function utf8Length(s: string): number {
  if (hasBuffer) return Buffer.byteLength(s, "utf8");
  return utf8.encode(s).length;
}

/**
 * A batch's layout in both bindings: the texts' UTF-8 bytes back to back (`total` bytes) and each text's end
 * offset in them (`ends`, 32-bit as the core takes them).
 */
export type BatchLayout = { lens: number[]; ends: Uint32Array; total: number };

export function batchLayout(texts: readonly string[]): BatchLayout {
  const lens = texts.map((t) => (t.length === 0 ? 0 : utf8Length(t)));
  const ends = new Uint32Array(texts.length);
  let total = 0;
  lens.forEach((l, i) => {
    total += l;
    ends[i] = total;
  });
  return { lens, ends, total };
}

/** Writes the texts' UTF-8 back to back into `into` (at least `layout.total` bytes). */
export function writeBatch(texts: readonly string[], layout: BatchLayout, into: Uint8Array): void {
  let off = 0;
  texts.forEach((t, i) => {
    const len = layout.lens[i] as number;
    if (len > 0) utf8.encodeInto(t, into.subarray(off, off + len));
    off += len;
  });
}

/** The core's flat ids of a batch, cut at each text's id end. */
export function splitIds(ids: Uint32Array, idEnds: Iterable<number>): Uint32Array[] {
  const out: Uint32Array[] = [];
  let start = 0;
  for (const end of idEnds) {
    out.push(ids.subarray(start, end));
    start = end;
  }
  return out;
}
