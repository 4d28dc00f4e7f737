// Cutting a file into byte ranges that encode independently: each cut sits where a special token starts,
// so the text before it ends at a special token in the whole-file encoding too (text never merges across
// one) and the scan for special tokens restarts in the same state. A cut is taken only when no other
// special-token occurrence starts in the max_len-1 bytes before it (which could cover the cut).
import { closeSync, openSync, readSync } from "node:fs";

export type ByteRange = { start: number; end: number };

const WINDOW = 1 << 20;

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  outer: for (
    let i = hay.indexOf(first, from);
    i >= 0 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The first safe cut in `buf` at or after `from` (buf[0] is file offset `base`), or -1. */
export function firstCut(buf: Uint8Array, from: number, specials: readonly Uint8Array[]): number {
  if (specials.length === 0) return -1;
  const maxLen = Math.max(...specials.map((s) => s.length));
  const starts = (lo: number, hi: number): number[] => {
    const out: number[] = [];
    for (const s of specials) {
      for (let i = indexOf(buf, s, lo); i >= 0 && i < hi; i = indexOf(buf, s, i + 1)) out.push(i);
    }
    return out;
  };
  let at = from;
  while (at < buf.length) {
    const found = starts(at, buf.length);
    if (found.length === 0) return -1;
    const q = Math.min(...found);
    // An occurrence starting just before q could cover it; q is then not where the scan would be free.
    // (Callers start `buf` at a known free position or at least max_len-1 bytes before `from`.)
    if (starts(Math.max(0, q - maxLen + 1), q).length === 0) return q;
    at = q + 1;
  }
  return -1;
}

/**
 * Ranges of about `target` bytes covering [0, size) of the file, cut at safe special-token starts. With no
 * special tokens (or none near a boundary) ranges simply grow: correctness never depends on finding cuts.
 */
export function planRanges(path: string, size: number, target: number, specials: readonly Uint8Array[]): ByteRange[] {
  const ranges: ByteRange[] = [];
  if (specials.length === 0 || size <= target) return size === 0 ? [] : [{ start: 0, end: size }];
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(WINDOW);
    let start = 0;
    let probe = target;
    while (probe < size) {
      // Read from a little before the probe so the "covered by an earlier occurrence" check sees it.
      const maxLen = Math.max(...specials.map((s) => s.length));
      const from = Math.max(start, probe - maxLen);
      const n = readSync(fd, buf, 0, Math.min(WINDOW, size - from), from);
      const cut = firstCut(buf.subarray(0, n), probe - from, specials);
      if (cut > 0 && from + cut > start) {
        ranges.push({ start, end: from + cut });
        start = from + cut;
        probe = start + target;
      } else {
        probe += WINDOW;
      }
    }
    ranges.push({ start, end: size });
    return ranges;
  } finally {
    closeSync(fd);
  }
}
