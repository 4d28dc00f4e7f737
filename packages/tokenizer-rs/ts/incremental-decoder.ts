// UTF-8-safe decoding of a token stream (e.g. sampling one token at a time): a character whose bytes span
// several tokens is emitted once complete, never as replacement characters. Bytes that can never form a
// character still become U+FFFD at once; `flush()` replaces a trailing partial one. The streaming
// `TextDecoder` does the byte bookkeeping; ids are validated by the tokenizer's `decodeBytes`.

export type BytesDecoder = { decodeBytes(ids: ArrayLike<number> | Iterable<number>): Uint8Array };

export class IncrementalDecoder {
  // ignoreBOM: a U+FEFF the model emits is text, not a byte-order mark to drop.
  private readonly text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  constructor(private readonly tokenizer: BytesDecoder) {}

  /** Text completed by these ids (possibly ""). */
  push(ids: ArrayLike<number> | Iterable<number> | number): string {
    const list = typeof ids === "number" ? [ids] : ids;
    return this.text.decode(this.tokenizer.decodeBytes(list), { stream: true });
  }

  /** What is left: a partial character at the end becomes U+FFFD. The decoder can be reused afterwards. */
  flush(): string {
    return this.text.decode();
  }
}
