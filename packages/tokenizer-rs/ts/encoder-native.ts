// The encoder over the Node-API addon (src/napi/encode.rs): the same sources, policy bytes and results as
// encoder-wasm.ts, with text handed over as one Uint8Array per call (no WASM memory to copy into, no 4 GiB
// ceiling but a batch's) and the addon's `code: message` errors turned into the same TokenizerErrors. The
// addon's Encoder is freed by the JS collector; `release` only drops this wrapper's reference.
import type { EncoderCore, Encoded, EncoderSource } from "./encoder-core.ts";
import { batchLayout, splitIds, utf8Length, writeBatch } from "./encoder-core.ts";
import { callNative, fromNative, TokenizerError } from "./errors.ts";
import { type NativeEncoder, nativeAddon } from "./native-load.ts";

const utf8 = new TextEncoder();
const NO_BYTES = new Uint8Array(0);

function make(src: EncoderSource): NativeEncoder {
  const E = nativeAddon().Encoder;
  const names = (s: Readonly<Record<string, number>>) => Object.keys(s);
  const ids = (s: Readonly<Record<string, number>>) => Uint32Array.from(Object.values(s));
  switch (src.kind) {
    case "merges":
      return E.fromMerges([...src.vocab], [...src.merges], [...src.specials]);
    case "ranks":
      return E.fromRanks([...src.tokens], names(src.specials), ids(src.specials));
    case "rankFile":
      return E.fromRankFile(src.text, names(src.specials), ids(src.specials), src.name);
    case "gpt2Files":
      return E.fromGpt2Files(src.vocab, src.merges, [...src.specials], src.vocabName, src.mergesName);
    case "tokenizerJson":
      return E.fromTokenizerJson(src.text, [...src.specials], src.name);
  }
}

/**
 * A batch goes to the addon as one buffer with 32-bit byte ends (the WASM layout), which would wrap past
 * 4 GiB and cut the texts in the wrong places; refused before the copy, as WASM refuses what it cannot hold.
 */
function checkBatchBytes(total: number): void {
  if (total <= 0xffff_ffff) return;
  throw new TokenizerError(
    `encoding a batch of ${total} bytes in one call: a batch holds at most 4 GiB of text (its byte ends are ` +
      "32-bit); encode fewer or shorter texts per call (or StreamEncoder / encodeFile for big inputs)",
    "memory",
  );
}

export class NativeEncoderCore implements EncoderCore {
  readonly backend = "native";
  readonly vocabSize: number;
  readonly specialTokens: string[];
  readonly specialIds: Uint32Array;
  #enc: NativeEncoder | undefined;

  constructor(src: EncoderSource) {
    const enc = callNative(() => make(src));
    this.#enc = enc;
    this.vocabSize = enc.vocabSize;
    this.specialTokens = enc.specialTokens;
    this.specialIds = enc.specialIds;
  }

  /** The addon's Encoder (encodeFile hands it file ranges). */
  get native(): NativeEncoder {
    if (!this.#enc) throw new Error("this encoder was released");
    return this.#enc;
  }

  release(): void {
    this.#enc = undefined;
  }

  encodeText(prefix: Uint8Array, text: string, policy: Uint8Array, last: boolean, base: number): Encoded {
    if (text.length === 0) return this.encodeBytes(NO_BYTES, prefix, policy, last, base);
    const buf = new Uint8Array(prefix.length + utf8Length(text));
    buf.set(prefix);
    utf8.encodeInto(text, buf.subarray(prefix.length));
    return this.encodeAll(buf, policy, last, base);
  }

  encodeBytes(prefix: Uint8Array, bytes: Uint8Array, policy: Uint8Array, last: boolean, base: number): Encoded {
    if (prefix.length === 0) return this.encodeAll(bytes, policy, last, base);
    const buf = new Uint8Array(prefix.length + bytes.length);
    buf.set(prefix);
    buf.set(bytes, prefix.length);
    return this.encodeAll(buf, policy, last, base);
  }

  private encodeAll(text: Uint8Array, policy: Uint8Array, last: boolean, base: number): Encoded {
    const enc = this.native;
    const { ids, consumed } = callNative(() => enc.encodePrefix(text, policy, last, base));
    // The carry outlives this call and `text` may be the caller's reused buffer: a copy.
    return { ids, consumed, carry: last ? NO_BYTES : text.slice(consumed) };
  }

  encodeBatch(texts: readonly string[], policy: Uint8Array): Uint32Array[] {
    const layout = batchLayout(texts);
    checkBatchBytes(layout.total);
    const buf = new Uint8Array(layout.total);
    writeBatch(texts, layout, buf);
    const enc = this.native;
    const r = callNative(() => enc.encodeBatch(buf, layout.ends, policy));
    return splitIds(r.ids, r.ends);
  }

  decode(ids: Uint32Array): Uint8Array {
    const enc = this.native;
    return callNative(() => enc.decode(ids));
  }

  tokenBytes(id: number): Uint8Array {
    const enc = this.native;
    return callNative(() => enc.tokenBytes(id));
  }

  /** Bytes [start, end) of the file at `path` (a range planned at safe cuts), on a pool thread. */
  async encodeFileRange(path: string, start: number, end: number, policy: Uint8Array): Promise<Uint32Array> {
    const enc = this.native;
    try {
      return await enc.encodeFileRange(path, start, end, policy);
    } catch (e) {
      throw fromNative(e);
    }
  }
}
