// The errors the package throws, kept apart from the WASM loader so that the public declarations
// (dist/index.d.ts and what it imports) name no WebAssembly type: a consumer type-checking with a
// Node-only lib (no DOM, no WebAssembly namespace) must compile against them. Also the one place a core
// error (a code name and a message, from WASM or from the native addon) becomes a TokenizerError.

/**
 * What kind of failure a TokenizerError is; branch on this, never on the message's words. The core's
 * kinds (src/error.rs `ErrorCode`, in its order: `CORE_CODES`) plus "input" for training input this
 * wrapper cannot read and "training" for a vocab size the data cannot reach.
 * - invalid_utf8: text or a file is not UTF-8 (the message names the byte offset)
 * - special_token: a special-token list or policy is wrong (empty, repeated, unknown, a mismatched id)
 * - disallowed_special: the text contains a special token the call disallows
 * - vocab: vocab and merges do not form a tokenizer (a missing byte token, a merge outside the vocab)
 * - file_format: a vocab.json, merges.txt or tokenizer.json file is malformed
 * - rank_file: a tiktoken rank file is malformed, or is for an encoding this tokenizer cannot run
 * - token_id: an id outside the vocab
 * - internal: a bug on one side of the WASM or native boundary, the WASM module is missing, or the native
 *   addon was asked for (CS336_TOKENIZER_BACKEND=native) and cannot be loaded
 * - memory: the work needs more than the 4 GiB a WebAssembly instance can address, or a native encodeBatch
 *   holds more than 4 GiB of text (the message says what to do: smaller chunks, fewer ids per call,
 *   encodeFile for big inputs)
 */
export type TokenizerErrorCode =
  | "invalid_utf8"
  | "special_token"
  | "disallowed_special"
  | "vocab"
  | "file_format"
  | "rank_file"
  | "token_id"
  | "internal"
  | "input"
  | "training"
  | "memory";

/** An error reported by the tokenizer (invalid UTF-8, bad special tokens, bad files, …): the message is the user's. */
export class TokenizerError extends Error {
  override name = "TokenizerError";
  constructor(
    message: string,
    readonly code: TokenizerErrorCode,
  ) {
    super(message);
  }
}

/** A tiktoken rank file the core cannot read: malformed, or for an encoding it cannot run (code "rank_file"). */
export class RankFileError extends TokenizerError {
  override name = "RankFileError";
  constructor(message: string) {
    super(message, "rank_file");
  }
}

/** The core's codes by number (code n is CORE_CODES[n - 1]); test/error-codes.test.ts checks the order. */
export const CORE_CODES: readonly TokenizerErrorCode[] = [
  "invalid_utf8",
  "special_token",
  "disallowed_special",
  "vocab",
  "file_format",
  "rank_file",
  "token_id",
  "internal",
];

/** Every code, the core's and the wrapper's: the native addon also raises "input" for a file it cannot read. */
const ALL_CODES: readonly TokenizerErrorCode[] = [...CORE_CODES, "input", "training", "memory"];

/** The error for a failure with code name `code` (unknown names are "internal"). */
export function coreError(code: string, message: string): TokenizerError {
  const known = ALL_CODES.find((c) => c === code) ?? "internal";
  return known === "rank_file" ? new RankFileError(message) : new TokenizerError(message, known);
}

/**
 * What the native addon threw, as the TokenizerError WASM gives for the same failure: the addon's message
 * is `<code>: <message>` (src/napi/mod.rs js_error). Anything else (a TypeError from an argument napi-rs
 * could not convert) passes through.
 */
export function fromNative(e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof TokenizerError) return e;
  const m = /^([a-z0-9_]+): /.exec(e.message);
  if (!m || !ALL_CODES.includes(m[1] as TokenizerErrorCode)) return e;
  return coreError(m[1] as string, e.message.slice(m[0].length));
}

/** Runs a native addon call, throwing what it throws as the TokenizerError WASM would give. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e);
  }
}

/** What `x` is, for messages about an argument of the wrong type: "string", "Uint8Array", "null". */
export function typeName(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  // The tag, not the constructor: a Buffer reads as Uint8Array, and arrays from another realm still read right.
  return Object.prototype.toString.call(x).slice(8, -1);
}

/** `typeName` with its article: "a string", "an ArrayBuffer", "undefined". */
export function aTypeName(x: unknown): string {
  const name = typeName(x);
  if (x === null || x === undefined) return name;
  // "an Array", "an Int32Array", but "a Uint8Array" (said "you").
  return `${/^[aeioAEIO]/.test(name) ? "an" : "a"} ${name}`;
}
