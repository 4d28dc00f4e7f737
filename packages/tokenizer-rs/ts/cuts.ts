// Safe cuts: where input may be cut into byte ranges that are processed independently (training Workers
// count them, encoding Workers encode them) with exactly the pre-tokens and special tokens of the whole.
// The rule and the reasons it is safe live in the core (src/cuts.rs); these calls copy only the bytes a
// search reads into WASM, so finding a cut near the end of an 8 MiB block copies a window, not the block.
import { byteList, threadInstance } from "./wasm.ts";

type CutExports = {
  safe_cut(
    p: number,
    n: number,
    from: number,
    to: number,
    sp: number,
    sl: number,
    cp: number,
    cl: number,
    down: number,
  ): number;
};

/** Bytes searched per call when looking for the last cut of a long block (usually one call finds it). */
const WINDOW = 1 << 16;

const longest = (tokens: readonly Uint8Array[]) => tokens.reduce((m, t) => Math.max(m, t.length), 1);

/** The core's search over positions [from, to) of `data`, upwards or (`down`) downwards; -1 when none. */
function search(data: Uint8Array, from: number, to: number, specials: Uint8Array, cutAt: Uint8Array, down: boolean) {
  const w = threadInstance();
  const cut = w.withAll([data, specials, cutAt], ([d, s, c]) =>
    w
      .exportsAs<CutExports>()
      .safe_cut(
        d as number,
        data.length,
        from,
        to,
        s as number,
        specials.length,
        c as number,
        cutAt.length,
        down ? 1 : 0,
      ),
  );
  return w.check(cut) === 0 ? -1 : cut;
}

/**
 * The smallest safe cut `p` with `from <= p < to`, or -1. The caller makes sure `data` holds the longest
 * special token's length of bytes before `from` and after `to` (or reaches the input's ends there).
 * `specials` are all the tokens no cut may pass through (a disallowed one must still be seen whole to be
 * refused); `cutAt` the ones split off as special tokens, at whose start a cut may sit.
 */
export function firstSafeCut(
  data: Uint8Array,
  from: number,
  to: number,
  specials: readonly Uint8Array[],
  cutAt: readonly Uint8Array[] = specials,
): number {
  return search(data, from, to, byteList(specials), byteList(cutAt), false);
}

/**
 * The largest safe cut in `data` at or below `data.length - longest special` (so the check sees all the
 * bytes it needs), searching down to `min`; -1 when there is none. Searched in windows from the end, each
 * with the bytes before it that the check reads (a special token's length, and a character's).
 */
export function lastSafeCut(data: Uint8Array, specials: readonly Uint8Array[], min = 1): number {
  const maxLen = longest(specials);
  const before = Math.max(maxLen, 4);
  const lists = byteList(specials);
  const lowest = Math.max(min, 1);
  for (let top = data.length - maxLen; top >= lowest; top -= WINDOW) {
    const from = Math.max(lowest, top - WINDOW + 1);
    const lo = Math.max(0, from - before);
    const p = search(data.subarray(lo, top + maxLen), from - lo, top + 1 - lo, lists, lists, true);
    if (p >= 0) return lo + p;
  }
  return -1;
}
