// Cutting a file into byte ranges that encode independently, for parallel encoding: cuts are the safe cuts
// of src/cuts.rs (the rule parallel training uses): at the start of a special token that is split off,
// between two ASCII characters of different GPT-2 classes, or at ASCII whitespace after a non-space, never
// where a special-token occurrence could straddle the cut. Text on either side of such a cut pre-tokenizes exactly as in the whole file,
// so the ranges' ids concatenate to the whole file's ids. Ordinary prose has a cut every few bytes. The
// input is a path (node:fs) or a Blob (any runtime, browsers included). Also how one range is encoded, shared
// by encodeFile and its Workers (which must not bundle the Worker spawner).
import { closeSync, openSync, readSync } from "node:fs";
import { firstSafeCut } from "./cuts.ts";
import { TokenizerError, type TokenizerErrorCode } from "./errors.ts";
import type { SpecialOptions } from "./special-policy.ts";
import type { Backend } from "./native-load.ts";
import { type Tokenizer, tokenizerOn } from "./tokenizer.ts";
import { directoryFiles, type FromFilesOptions } from "./tokenizer-files.ts";

export type ByteRange = { start: number; end: number };

/** What a Worker needs to rebuild the same tokenizer and policy (structured-clone friendly). */
export type EncodeJob = {
  input: string | Blob;
  files?: FromFilesOptions;
  /** A tiktoken rank file's content (what Tokenizer.fromRankText takes): the form a page has. */
  ranks?: { text: string | Uint8Array; specialTokens?: Record<string, number>; encoding?: string };
  tokenizerDir?: string;
  specialTokens?: string[];
  options?: { allowedSpecial?: string[] | "all"; disallowedSpecial?: string[] | "all" };
  blockBytes: number;
};

export type FromMain = { type: "init"; job: EncodeJob } | { type: "range"; index: number; range: ByteRange };
export type ToMain =
  | { type: "ready" }
  | { type: "inited" }
  | { type: "progress"; bytes: number }
  | { type: "ids"; index: number; ids: Uint32Array }
  | { type: "error"; message: string; code?: TokenizerErrorCode; index?: number };

const WINDOW = 1 << 16;

/** A read the planner needs: `len` bytes from byte `from` (fewer only at the input's end). */
type Read = { from: number; len: number };

/**
 * The planning loop, as a generator that yields each read it needs and is resumed with the bytes, so the
 * path form reads synchronously and the Blob form (browsers) awaits slices, with one cut rule for both.
 */
function* planSteps(
  size: number,
  target: number,
  specials: readonly Uint8Array[],
  cutAt: readonly Uint8Array[],
): Generator<Read, ByteRange[], Uint8Array> {
  if (size === 0) return [];
  if (size <= target) return [{ start: 0, end: size }];
  const maxLen = specials.reduce((m, t) => Math.max(m, t.length), 1);
  const ranges: ByteRange[] = [];
  const window = WINDOW + 2 * maxLen;
  let start = 0;
  let probe = target;
  while (probe < size) {
    // The window starts maxLen bytes before the probe so the straddle check sees what precedes it, and
    // only positions with maxLen bytes after them in the window (or at the file's end) are tried.
    const from = Math.max(start, probe - maxLen);
    const buf = yield { from, len: Math.min(window, size - from) };
    const n = buf.length;
    if (n <= 0) break;
    const to = from + n >= size ? n : n - maxLen;
    const cut = firstSafeCut(buf, probe - from, to, specials, cutAt);
    if (cut > 0) {
      ranges.push({ start, end: from + cut });
      start = from + cut;
      probe = start + target;
    } else {
      probe = from + Math.max(to, probe - from + 1);
    }
  }
  ranges.push({ start, end: size });
  return ranges;
}

/**
 * Ranges of about `target` bytes covering [0, size) of the file. `specials` are all of the tokenizer's
 * special tokens (none may be cut through, whatever the policy: a disallowed one must still be seen to be
 * refused); `cutAt` the ones the policy splits off. Text without any safe cut (say, a run of CJK without
 * ASCII) simply makes a range longer: correctness never depends on finding cuts.
 */
export function planRanges(
  path: string,
  size: number,
  target: number,
  specials: readonly Uint8Array[],
  cutAt: readonly Uint8Array[] = specials,
): ByteRange[] {
  const steps = planSteps(size, target, specials, cutAt);
  let step = steps.next(new Uint8Array(0));
  if (step.done) return step.value;
  const buf = new Uint8Array(WINDOW + 2 * specials.reduce((m, t) => Math.max(m, t.length), 1));
  const fd = openSync(path, "r");
  try {
    while (!step.done) {
      const n = readSync(fd, buf, 0, step.value.len, step.value.from);
      step = steps.next(buf.subarray(0, Math.max(0, n)));
    }
    return step.value;
  } finally {
    closeSync(fd);
  }
}

/** planRanges over a Blob (a page's File, or any Blob), reading only the windows the cut search needs. */
export async function planBlobRanges(
  blob: Blob,
  target: number,
  specials: readonly Uint8Array[],
  cutAt: readonly Uint8Array[] = specials,
): Promise<ByteRange[]> {
  const steps = planSteps(blob.size, target, specials, cutAt);
  let step = steps.next(new Uint8Array(0));
  while (!step.done) {
    const { from, len } = step.value;
    step = steps.next(new Uint8Array(await blob.slice(from, from + len).arrayBuffer()));
  }
  return step.value;
}

/** The job's tokenizer on `backend` (Workers always use WASM: each owns an instance). */
export function loadTokenizer(job: EncodeJob, backend: Backend): Tokenizer {
  const on = tokenizerOn(backend);
  if (job.ranks) return on.fromRankText(job.ranks.text, job.ranks.specialTokens, job.ranks.encoding);
  return on.fromFiles(job.files ?? directoryFiles(job.tokenizerDir ?? "", job.specialTokens));
}

/** What errors call the input: its path, or a File's name. */
function inputName(input: string | Blob): string {
  if (typeof input === "string") return input;
  return (input as Partial<File>).name || "the Blob";
}

/** A range's ids as they stream out of the encoder, in a buffer grown as needed. */
function rangeIds(tok: Tokenizer, job: EncodeJob, range: ByteRange) {
  const s = tok.stream({ ...(job.options as SpecialOptions), offset: range.start });
  let out = new Uint32Array(Math.max(1024, (range.end - range.start) >> 2));
  let n = 0;
  const append = (ids: Uint32Array) => {
    if (n + ids.length > out.length) {
      const grown = new Uint32Array(Math.max(n + ids.length, Math.ceil(out.length * 1.5)));
      grown.set(out.subarray(0, n));
      out = grown;
    }
    out.set(ids, n);
    n += ids.length;
  };
  return {
    push: (bytes: Uint8Array) => append(s.pushBytes(bytes)),
    finish: () => {
      append(s.finish());
      return out.slice(0, n);
    },
  };
}

/**
 * The stream knows the byte offset, not the file: name it here, for every worker count, as the native
 * addon names it in every error of a range (invalid UTF-8, a disallowed special token).
 */
function withInputName(e: unknown, job: EncodeJob): unknown {
  if (e instanceof TokenizerError) {
    return new TokenizerError(`${inputName(job.input)}: ${e.message}`, e.code);
  }
  return e;
}

/** Encodes one byte range of the file at path `job.input` in blocks; returns its ids. */
export function encodeRange(
  tok: Tokenizer,
  job: EncodeJob,
  range: ByteRange,
  onBytes?: (n: number) => void,
): Uint32Array {
  const fd = openSync(job.input as string, "r");
  try {
    const ids = rangeIds(tok, job, range);
    for (let pos = range.start; pos < range.end; ) {
      // A fresh block each time: while a long pre-token is open the stream keeps the chunks it was given
      // (views, not copies), so reusing one buffer would overwrite bytes it has not encoded yet.
      const buf = new Uint8Array(Math.min(job.blockBytes, range.end - pos));
      const len = readSync(fd, buf, 0, buf.length, pos);
      if (len <= 0) throw new Error(`${job.input} shrank while being encoded (read nothing at byte ${pos})`);
      ids.push(buf.subarray(0, len));
      pos += len;
      onBytes?.(len);
    }
    return ids.finish();
  } catch (e) {
    throw withInputName(e, job);
  } finally {
    closeSync(fd);
  }
}

/** encodeRange for a Blob input: reads the range in slices of `blockBytes`. */
export async function encodeBlobRange(
  tok: Tokenizer,
  job: EncodeJob,
  range: ByteRange,
  onBytes?: (n: number) => void,
): Promise<Uint32Array> {
  const blob = job.input as Blob;
  try {
    const ids = rangeIds(tok, job, range);
    for (let pos = range.start; pos < range.end; ) {
      const end = Math.min(pos + job.blockBytes, range.end);
      const bytes = new Uint8Array(await blob.slice(pos, end).arrayBuffer());
      if (bytes.length === 0) throw new Error(`${inputName(blob)} ended at byte ${pos} while being encoded`);
      ids.push(bytes);
      pos += bytes.length;
      onBytes?.(bytes.length);
    }
    return ids.finish();
  } catch (e) {
    throw withInputName(e, job);
  }
}
