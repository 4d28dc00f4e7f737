// CS336 assignment 1 §2.7 (tokenizer_experiments) as a library: sample N documents from a text file (documents
// separated by <|endoftext|>) with a seeded reservoir, so a multi-gigabyte corpus is read once in fixed-size
// chunks and never held whole, and measure a tokenizer on them: bytes per token (its compression) and encode
// throughput. Leaves out: the tokenizers' own loading (the caller opens them) and multi-threaded encoding.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { Rng } from "@cs336-ts/model";
import type { Tokenizer } from "@cs336-ts/tokenizer";

const EOT = "<|endoftext|>";

export type DocumentSample = {
  /** The sampled documents, in the order they appear in the file. */
  docs: string[];
  /** Their positions among the file's documents (0-based). */
  indices: number[];
  /** How many non-empty documents the file holds. */
  total: number;
};

/**
 * `n` documents drawn uniformly without replacement from `path` (Algorithm R: document i replaces a random
 * slot with probability n/(i+1)). Whitespace-only pieces between separators are not documents. The same
 * file, n and seed give the same sample; a file with at most n documents gives all of them.
 */
export function sampleDocuments(path: string, n: number, seed: number, chunkBytes = 1 << 22): DocumentSample {
  if (!existsSync(path)) throw new Error(`input ${path} not found (pass a text file)`);
  if (statSync(path).isDirectory()) throw new Error(`input ${path} is a folder; pass a text file`);
  if (!statSync(path).isFile())
    throw new Error(`input ${path} is not a regular file (a pipe or device); pass a text file`);
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new RangeError(`the number of documents must be >= 1, got ${n}`);
  const rng = Rng.seeded(seed);
  const kept: { doc: string; index: number }[] = [];
  let total = 0;
  const offer = (doc: string) => {
    if (doc.trim() === "") return;
    const i = total++;
    if (kept.length < n) kept.push({ doc, index: i });
    else {
      const j = rng.nextInt(i + 1);
      if (j < n) kept[j] = { doc, index: i };
    }
  };
  // Fatal: a lenient decoder turns each bad byte into U+FFFD (3 bytes), and bytes/token would measure those.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(chunkBytes);
    let carry = "";
    let pos = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      try {
        carry += decoder.decode(buf.subarray(0, got), { stream: got > 0 });
      } catch {
        const where = got > 0 ? `in bytes ${pos}-${pos + got}` : "at its end, a character cut short";
        throw new Error(`input ${path} is not valid UTF-8 (${where}); re-encode it as UTF-8`);
      }
      pos += got;
      const pieces = carry.split(EOT);
      // The last piece may continue in the next chunk (or hold the start of a split separator).
      carry = got > 0 ? (pieces.pop() as string) : "";
      for (const p of pieces) offer(p);
      if (got === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  if (total === 0) throw new Error(`input ${path} holds no documents (only whitespace and ${EOT} separators)`);
  kept.sort((a, b) => a.index - b.index);
  return { docs: kept.map((k) => k.doc), indices: kept.map((k) => k.index), total };
}

export type TokenizerMeasure = {
  bytes: number;
  tokens: number;
  /** UTF-8 bytes per token: the compression ratio CS336 asks for. */
  bytesPerToken: number;
  /** Encode throughput of this pass, each document encoded on its own as a user would. */
  bytesPerSecond: number;
};

/**
 * Bytes per token of `docs` and the throughput of encoding them once. Only the first pass of a tokenizer
 * over text measures what encoding unseen text costs: the encoder caches pre-tokens it has merged, so a
 * repeated pass over the same documents times cache lookups (here 2-4x faster on TinyStories).
 */
export function measureTokenizer(tokenizer: Tokenizer, docs: readonly string[]): TokenizerMeasure {
  const enc = new TextEncoder();
  let bytes = 0;
  let tokens = 0;
  let seconds = 0;
  for (const d of docs) {
    bytes += enc.encode(d).length;
    const t0 = performance.now();
    tokens += tokenizer.encode(d).length;
    seconds += (performance.now() - t0) / 1000;
  }
  return {
    bytes,
    tokens,
    bytesPerToken: bytes / Math.max(tokens, 1),
    bytesPerSecond: bytes / Math.max(seconds, 1e-9),
  };
}
