// Cutting a file into byte ranges that encode independently, for parallel encoding: cuts are the safe cuts
// of src/cuts.rs (the rule parallel training uses): at the start of a special token that is split off,
// between two ASCII characters of different GPT-2 classes, or at ASCII whitespace after a non-space, never
// where a special-token occurrence could straddle the cut. Text on either side of such a cut pre-tokenizes exactly as in the whole file,
// so the ranges' ids concatenate to the whole file's ids. Ordinary prose has a cut every few bytes.
import { closeSync, openSync, readSync } from "node:fs";
import { firstSafeCut } from "./cuts.ts";

export type ByteRange = { start: number; end: number };

const WINDOW = 1 << 16;

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
  if (size === 0) return [];
  if (size <= target) return [{ start: 0, end: size }];
  const maxLen = specials.reduce((m, t) => Math.max(m, t.length), 1);
  const ranges: ByteRange[] = [];
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(WINDOW + 2 * maxLen);
    let start = 0;
    let probe = target;
    while (probe < size) {
      // The window starts maxLen bytes before the probe so the straddle check sees what precedes it, and
      // only positions with maxLen bytes after them in the window (or at the file's end) are tried.
      const from = Math.max(start, probe - maxLen);
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - from), from);
      if (n <= 0) break;
      const to = from + n >= size ? n : n - maxLen;
      const cut = firstSafeCut(buf.subarray(0, n), probe - from, to, specials, cutAt);
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
  } finally {
    closeSync(fd);
  }
}
