// A streaming decoder over raw token bytes for generate's tests: what the tokenizer's own decoder() does, with
// no tokenizer behind it. The commands decode through the tokenizer, so this lives with the tests.
import type { StreamingDecoder } from "../../src/inference/generate.ts";

/**
 * TextDecoder in stream mode holds back an incomplete UTF-8 sequence until its last byte arrives and replaces
 * malformed bytes with U+FFFD, as the tokenizer's decode.
 */
export function bytesDecoder(tokenBytes: (id: number) => Uint8Array): StreamingDecoder {
  const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  return {
    push: (id) => utf8.decode(tokenBytes(id), { stream: true }),
    flush: () => utf8.decode(),
  };
}
