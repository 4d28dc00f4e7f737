// The scale benchmark's corpus: deterministic synthetic English-like text with millions of distinct
// pre-tokens, generated from a seeded PRNG into .cache/bench-scale/ (git-ignored, never committed) and
// reused while the parameters match. `bun bench/scale/corpus.ts [--gb N]` only generates and prints the path.
// Words are built from syllables and drawn with Zipfian frequencies, so that, as in real web text, a few
// words fill most of the bytes while the long tail gives the distinct count (about 4-5 million at 1 GB).
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";

/** Everything that decides the bytes; the cache file is keyed by all of it. */
export type CorpusParams = {
  /** The generator's own version: bumped whenever the code below changes the bytes for the same numbers. */
  generator: number;
  /** Output size in bytes (the last document is cut there, at a line end). */
  bytes: number;
  seed: number;
  /** Distinct words in the generated vocabulary (before capitalization, which adds variants). */
  words: number;
  /** Zipf exponent s: the word of rank r is drawn with probability ∝ r^-s. */
  zipf: number;
  /** Mean words per document; documents end with "\n<|endoftext|>\n". */
  docWords: number;
  /** Mean words per sentence (sentences start capitalized and end in . ! or ?). */
  sentenceWords: number;
  /** Per word: chance of a number instead (1-6 digits), of a trailing comma, of "'s", of a line break after. */
  pNumber: number;
  pComma: number;
  pPossessive: number;
  pNewline: number;
};

export const DEFAULT_PARAMS: Omit<CorpusParams, "bytes"> = {
  generator: 2,
  seed: 20261207,
  words: 3_000_000,
  zipf: 1.0,
  docWords: 600,
  sentenceWords: 14,
  pNumber: 0.02,
  pComma: 0.06,
  pPossessive: 0.01,
  pNewline: 0.04,
};

export const CACHE_DIR = resolve(import.meta.dir, "../../.cache/bench-scale");
const EOT = "<|endoftext|>";

/** sfc32: a small, fast 32-bit PRNG with a 128-bit state; returns floats in [0, 1). */
export function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

// Syllables: onset + vowel + coda, a few with Latin-1 vowels so some pre-tokens are multi-byte UTF-8.
const ONSETS = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z"].concat([
  "br",
  "ch",
  "cl",
  "dr",
  "fl",
  "gr",
  "pl",
  "pr",
  "sh",
  "st",
  "str",
  "th",
  "tr",
  "qu",
  "sc",
  "sp",
]);
const VOWELS = ["a", "e", "i", "o", "u", "y", "ai", "ea", "ee", "oo", "ou", "ie", "é", "ü", "ö", "à"];
const VOWEL_WEIGHTS = [10, 12, 9, 9, 6, 2, 2, 3, 2, 2, 2, 2, 0.4, 0.2, 0.2, 0.2];
const CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "ng", "st", "ck", "rt", "ns", "x", "th", "ll"];

/**
 * `count` distinct words, most frequent first: rank r gets 1 syllable while r < 300, up to 2 below 20,000,
 * else 2-3, so frequent words are short as in natural text. Returned as one byte buffer plus offsets.
 */
export function buildVocabulary(count: number, rand: () => number): { bytes: Uint8Array; offsets: Int32Array } {
  const vowelCdf: number[] = [];
  let acc = 0;
  const total = VOWEL_WEIGHTS.reduce((x, y) => x + y, 0);
  for (const w of VOWEL_WEIGHTS) {
    acc += w / total;
    vowelCdf.push(acc);
  }
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const vowel = () => {
    const u = rand();
    let i = 0;
    while (i < vowelCdf.length - 1 && u >= (vowelCdf[i] as number)) i++;
    return VOWELS[i] as string;
  };
  const seen = new Set<string>();
  const parts: string[] = [];
  for (let attempts = 0; parts.length < count; attempts++) {
    const r = parts.length;
    const syllables = r < 300 ? 1 : r < 20_000 ? 1 + Math.floor(rand() * 2) : 2 + Math.floor(rand() * 2);
    let w = "";
    for (let s = 0; s < syllables; s++) w += pick(ONSETS) + vowel() + pick(CODAS);
    if (w.length === 0 || seen.has(w)) {
      if (attempts > count * 20) throw new Error(`could only build ${parts.length} distinct words of ${count}`);
      continue;
    }
    seen.add(w);
    parts.push(w);
  }
  const enc = new TextEncoder();
  const encoded = parts.map((w) => enc.encode(w));
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i + 1] = (offsets[i] as number) + (encoded[i] as Uint8Array).length;
  const bytes = new Uint8Array(offsets[count] as number);
  for (let i = 0; i < count; i++) bytes.set(encoded[i] as Uint8Array, offsets[i] as number);
  return { bytes, offsets };
}

/**
 * A Zipf rank in [0, n) by inverting the continuous bounded power law (one pow per draw instead of a search
 * over n weights); for s = 1 that is the log-uniform law, P(rank < x) = ln(1 + x) / ln(1 + n).
 */
export function zipfSampler(n: number, s: number, rand: () => number): () => number {
  if (Math.abs(s - 1) < 1e-9) {
    const ln = Math.log(n + 1);
    return () => Math.min(n - 1, Math.floor(Math.exp(rand() * ln) - 1));
  }
  const a = 1 - s;
  const top = (n + 1) ** a;
  return () => Math.min(n - 1, Math.floor(((top - 1) * rand() + 1) ** (1 / a) - 1));
}

function cachePath(p: CorpusParams): string {
  const key = Bun.hash(JSON.stringify(p)).toString(16);
  return join(CACHE_DIR, `corpus-${(p.bytes / 1e9).toFixed(2)}gb-${key}.txt`);
}

/**
 * The corpus file for `params`, generated if absent (to a temp name, renamed when complete, so a killed
 * run leaves no partial corpus under the final name). Logs what it does through `log`.
 */
export function ensureCorpus(params: CorpusParams, log: (line: string) => void = console.error): string {
  const path = cachePath(params);
  if (existsSync(path) && existsSync(`${path}.json`)) {
    const saved = readFileSync(`${path}.json`, "utf8");
    if (saved === JSON.stringify(params)) {
      log(`corpus: reusing ${path}`);
      return path;
    }
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const t0 = performance.now();
  const rand = sfc32(params.seed);
  const vocab = buildVocabulary(params.words, rand);
  log(`corpus: ${params.words.toLocaleString()} words built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const rank = zipfSampler(params.words, params.zipf, rand);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  const buf = new Uint8Array(16 << 20);
  let at = 0;
  let written = 0;
  const flush = () => {
    for (let off = 0; off < at; ) off += writeSync(fd, buf, off, at - off);
    written += at;
    at = 0;
  };
  const put = (byte: number) => {
    buf[at++] = byte;
  };
  const eot = new TextEncoder().encode(`\n${EOT}\n`);
  const { bytes: wb, offsets } = vocab;
  const ends = [46, 46, 46, 46, 46, 46, 33, 63]; // . mostly, some ! and ?
  try {
    while (written + at < params.bytes) {
      // Document and sentence lengths: exponential around their means (at least one word).
      const docLen = 1 + Math.floor(-Math.log(1 - rand()) * params.docWords);
      let sentenceLeft = 0;
      let lineStart = true;
      for (let w = 0; w < docLen; w++) {
        if (at + 64 > buf.length) flush();
        const startSentence = sentenceLeft === 0;
        if (startSentence) sentenceLeft = 1 + Math.floor(-Math.log(1 - rand()) * params.sentenceWords);
        if (!lineStart) put(32);
        lineStart = false;
        if (rand() < params.pNumber) {
          const digits = 1 + Math.floor(rand() * 6);
          put(49 + Math.floor(rand() * 9));
          for (let d = 1; d < digits; d++) put(48 + Math.floor(rand() * 10));
        } else {
          const r = rank();
          const from = offsets[r] as number;
          const to = offsets[r + 1] as number;
          const first = wb[from] as number;
          // Sentence starts, and 3% of other words (names), are capitalized: more distinct pre-tokens.
          const capital = (startSentence || rand() < 0.03) && first >= 97 && first <= 122;
          put(capital ? first - 32 : first);
          for (let i = from + 1; i < to; i++) put(wb[i] as number);
          if (rand() < params.pPossessive) {
            put(39);
            put(115);
          }
        }
        sentenceLeft--;
        if (sentenceLeft === 0) put(ends[Math.floor(rand() * ends.length)] as number);
        else if (rand() < params.pComma) put(44);
        if (rand() < params.pNewline) {
          put(10);
          lineStart = true;
        }
      }
      if (sentenceLeft > 0) put(46);
      if (at + eot.length > buf.length) flush();
      buf.set(eot, at);
      at += eot.length;
    }
    // Cut at the byte budget, just after the last newline (a document or line end) before it.
    const over = written + at - params.bytes;
    if (over > 0) {
      let end = at - over;
      while (end > 0 && buf[end - 1] !== 10) end--;
      at = end;
    }
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  writeFileSync(`${path}.json`, JSON.stringify(params));
  const s = (performance.now() - t0) / 1000;
  log(`corpus: wrote ${(written / 1e9).toFixed(2)} GB to ${path} in ${s.toFixed(1)} s`);
  return path;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const gb = args.includes("--gb") ? Number(args[args.indexOf("--gb") + 1]) : 1;
  console.log(ensureCorpus({ ...DEFAULT_PARAMS, bytes: Math.round(gb * 1e9) }));
}
