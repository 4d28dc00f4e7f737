// Where input may be cut into independently processed ranges without changing any pre-token or special
// token: at the start of a special token, between two ASCII characters of different GPT-2 classes
// (letter, digit, punctuation), or at ASCII whitespace that follows a non-whitespace character (any
// script) — see `isSafeCut` for the proofs. Training counts ranges in Workers
// (test/train-parallel.test.ts), parallel encoding encodes them (encode-ranges.ts, test/encode-cuts.test.ts):
// one rule serves both, so a wrong cut would show up in either suite.

const L = 1;
const N = 2;
const P = 3;

/** GPT-2 class of an ASCII byte, 0 for whitespace, control and non-ASCII bytes (never cut next to them). */
function cls(b: number): number {
  if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) return L;
  if (b >= 0x30 && b <= 0x39) return N;
  if (b >= 0x21 && b <= 0x7e) return P;
  return 0;
}

/** ASCII whitespace: in `\s` under every definition (JS, Python `regex`, the generated tables). */
function isAsciiSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

const WS = /^\s$/u;

/**
 * Whether the character ending at byte `end - 1` is whitespace. Errs toward "yes" (fewer cuts): besides
 * `\s`, the C0 separators 0x1c-0x1f and U+0085 count, as some regex engines put them in `\s`.
 */
function endsInSpace(data: Uint8Array, end: number): boolean {
  const last = data[end - 1] as number;
  if (last < 0x80) return isAsciiSpace(last) || (last >= 0x1c && last <= 0x1f);
  let start = end - 1;
  while (start > 0 && end - start < 4 && ((data[start] as number) & 0xc0) === 0x80) start--;
  const cp = new TextDecoder().decode(data.subarray(start, end)).codePointAt(0) ?? 0xfffd;
  if (cp === 0xfffd) return true; // malformed: the counter reports it; don't cut next to it
  return cp === 0x85 || WS.test(String.fromCodePoint(cp));
}

function occursAt(data: Uint8Array, i: number, tok: Uint8Array): boolean {
  if (i < 0 || i + tok.length > data.length) return false;
  for (let k = 0; k < tok.length; k++) if (data[i + k] !== tok[k]) return false;
  return true;
}

/**
 * Whether cutting `data` at byte `p` (0 < p < data.length) leaves every pre-token and special token
 * intact. Needs the bytes of `data` within the longest special token's length on both sides of `p`.
 * `cutAt` are the tokens that are split off as special tokens (a cut may sit at their start); the default
 * is all of `specials`. Encoding with a narrower policy passes only the allowed ones there, while
 * `specials` (every token that could straddle the cut and must be seen whole) stays complete.
 *
 * Why the class rule is safe: with prev = data[p-1] and next = data[p] both ASCII letter/digit/punctuation
 * of different classes, the pre-token holding prev is a letter, digit or punctuation run (or a
 * contraction) that ends at p in the whole text, because next stops it, and ends at p in the prefix alone;
 * no whitespace is involved, so `\s+(?!\S)` lookahead never crosses p. The next pre-token starts at p in
 * both. prev must not be an apostrophe: `'` + `s` is one contraction. No special-token occurrence may
 * straddle p, so the special-token split is the same on both sides.
 *
 * Why the whitespace rule is safe: let data[p] be ASCII whitespace and the character c ending at p-1 be
 * non-whitespace (p is a character boundary since data[p] < 0x80). (1) p is a pre-token boundary of the
 * whole text: c lies in a contraction, ` ?\p{L}+`, ` ?\p{N}+` or ` ?[^\s\p{L}\p{N}]+` match (the `\s+`
 * rules hold no \S), and none of those can take whitespace after a non-whitespace character (their only
 * space is the optional leading one), so c's pre-token ends exactly at p. (2) Every match starting at
 * s < p is the same in the prefix data[0..p): a match starting at non-whitespace, or at one space before
 * non-whitespace, stops at the first whitespace at or before p whether p holds whitespace (whole) or the
 * text ends (prefix); a whitespace run starting at s < p ends before p-1 (c is not whitespace), so
 * `\s+(?!\S)` looks ahead at most at c, inside the prefix. (3) The pattern has no lookbehind, so matches
 * starting at p or later depend only on data[p..]: the suffix tokenizes as the whole text does from p.
 * Note the space at p goes to the suffix, where ` ?\p{L}+` still joins it to a following letter; a cut
 * after the space (between it and the letter) would be wrong, and this rule never makes one.
 */
export function isSafeCut(
  data: Uint8Array,
  p: number,
  specials: readonly Uint8Array[],
  cutAt: readonly Uint8Array[] = specials,
): boolean {
  if (p <= 0 || p >= data.length) return false;
  for (const tok of specials) {
    for (let s = p - tok.length + 1; s < p; s++) if (occursAt(data, s, tok)) return false;
  }
  for (const tok of cutAt) if (occursAt(data, p, tok)) return true;
  if (isAsciiSpace(data[p] as number) && !endsInSpace(data, p)) return true;
  const a = cls(data[p - 1] as number);
  const b = cls(data[p] as number);
  return a !== 0 && b !== 0 && a !== b && data[p - 1] !== 0x27;
}

/**
 * The largest safe cut in `data` at or below `data.length - maxSpecialLen` (so the special-token check
 * sees all the bytes it needs), searching down to `min`; -1 when there is none.
 */
export function lastSafeCut(data: Uint8Array, specials: readonly Uint8Array[], min = 1): number {
  const maxLen = specials.reduce((m, t) => Math.max(m, t.length), 1);
  for (let p = data.length - maxLen; p >= Math.max(min, 1); p--) {
    if (isSafeCut(data, p, specials)) return p;
  }
  return -1;
}

/**
 * The smallest safe cut `p` with `from <= p < to`, or -1. The caller makes sure `data` holds the longest
 * special token's length of bytes before `from` and after `to` (or reaches the input's ends there).
 */
export function firstSafeCut(
  data: Uint8Array,
  from: number,
  to: number,
  specials: readonly Uint8Array[],
  cutAt: readonly Uint8Array[] = specials,
): number {
  for (let p = Math.max(from, 1); p < Math.min(to, data.length); p++) {
    if (isSafeCut(data, p, specials, cutAt)) return p;
  }
  return -1;
}
