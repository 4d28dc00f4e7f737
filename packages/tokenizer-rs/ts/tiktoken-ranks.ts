// Readers for tiktoken's rank files: the `.tiktoken` text format (`base64token rank` per line, as OpenAI
// publishes them) and the JSON the `tiktoken` npm package ships (`encoders/gpt2.json`: `bpe_ranks` is
// lines of `! firstRank tok tok …` with consecutive ranks, plus `special_tokens`). Ranks must be dense
// (0..n-1), except for holes that special tokens fill (p50k_base's <|endoftext|> sits at 50256, between
// ranks): a rank is also the token's id. Pre-tokenization is GPT-2's, so a file whose `pat_str` is another
// pattern (cl100k_base, o200k_base) is refused rather than encoded wrongly.

export type TiktokenRanks = {
  /** tokens[rank] = the token's bytes. */
  tokens: Uint8Array[];
  /** Special token → id (ids come after the ranked tokens). */
  specialTokens: Record<string, number>;
};

export class RankFileError extends Error {
  override name = "RankFileError";
}

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
}
B64[45] = 62; // "-" and "_": the URL-safe alphabet
B64[95] = 63;

/** Decodes one base64 token by hand: atob per token made loading GPT-2's 50k ranks ~10x slower. */
function base64(s: string, where: string): Uint8Array {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61) end--; // "=" padding
  const out = new Uint8Array((end * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (B64[c] as number) : -1;
    if (v < 0 || end < s.length - 2) throw new RankFileError(`${where}: ${JSON.stringify(s)} is not base64`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** The GPT-2 pre-tokenizer pattern as tiktoken writes it (gpt2, r50k_base, p50k_base, p50k_edit). */
export const GPT2_PAT_STR = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Refuses an encoder whose pre-tokenizer pattern is not GPT-2's: its ids would silently differ. */
export function checkPattern(json: { pat_str?: unknown }, source: string): void {
  if (json.pat_str === undefined || json.pat_str === GPT2_PAT_STR) return;
  throw new RankFileError(
    `${source}: this encoding splits text with a different pre-tokenizer pattern than GPT-2's ` +
      `(pat_str ${JSON.stringify(String(json.pat_str).slice(0, 60))}…), and this tokenizer implements only GPT-2's; ` +
      "supported: gpt2, r50k_base, p50k_base, p50k_edit (cl100k_base and o200k_base are not)",
  );
}

/** Tokens by rank; a missing rank may be filled by a special token with that id (its bytes). */
function dense(byRank: Map<number, Uint8Array>, source: string, specials: Record<string, number> = {}): Uint8Array[] {
  for (const [name, id] of Object.entries(specials)) {
    if (!byRank.has(id)) byRank.set(id, new TextEncoder().encode(name));
  }
  const tokens: Uint8Array[] = new Array(byRank.size);
  for (const [rank, t] of byRank) {
    if (rank >= byRank.size) {
      const missing = [...Array(byRank.size).keys()].find((r) => !byRank.has(r));
      throw new RankFileError(`${source}: ranks are not dense: rank ${missing} is missing (ranks must be 0..n-1)`);
    }
    tokens[rank] = t;
  }
  return tokens;
}

/** Parses a `.tiktoken` file: one `base64token rank` per line. */
export function parseTiktokenFile(text: string, source = ".tiktoken file"): Uint8Array[] {
  const byRank = new Map<number, Uint8Array>();
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${source}:${i + 1}`;
    const [tok, rank, extra] = line.trim().split(" ");
    const r = Number(rank);
    if (tok === undefined || extra !== undefined || !Number.isInteger(r) || r < 0) {
      throw new RankFileError(`${where}: expected "base64token rank", got ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (byRank.has(r)) throw new RankFileError(`${where}: rank ${r} appears twice`);
    byRank.set(r, base64(tok, where));
  });
  return dense(byRank, source);
}

/** Parses the `bpe_ranks` string of the tiktoken npm package's encoder JSON. */
export function parseNpmBpeRanks(
  bpeRanks: string,
  source = "bpe_ranks",
  specials: Record<string, number> = {},
): Uint8Array[] {
  const byRank = new Map<number, Uint8Array>();
  bpeRanks.split("\n").forEach((line, i) => {
    if (line === "") return;
    const [, first, ...toks] = line.split(" ");
    const offset = Number(first);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new RankFileError(`${source} line ${i + 1}: expected "! firstRank token…", got a bad rank ${first}`);
    }
    toks.forEach((t, j) => {
      byRank.set(offset + j, base64(t, `${source} line ${i + 1}`));
    });
  });
  return dense(byRank, source, specials);
}

/** Special tokens of an encoder JSON's `special_tokens` object. */
function specialsOf(json: { special_tokens?: unknown }, source: string): Record<string, number> {
  const specialTokens: Record<string, number> = {};
  for (const [k, v] of Object.entries((json.special_tokens ?? {}) as Record<string, unknown>)) {
    if (typeof v !== "number") throw new RankFileError(`${source}: special token ${JSON.stringify(k)} has no id`);
    specialTokens[k] = v;
  }
  return specialTokens;
}

/**
 * Splits a rank file's text into the rank lines (either format) and its special tokens, without decoding
 * the 50k tokens in JS: the WASM core parses the lines (Tokenizer.fromRankText).
 */
export function splitRankFile(
  text: string,
  source = "rank file",
): { lines: string; specialTokens: Record<string, number> } {
  if (!text.trimStart().startsWith("{")) return { lines: text, specialTokens: {} };
  return readRankJson(text, source);
}

/** The npm package's encoder JSON: its `bpe_ranks` text (still to be decoded) and its special tokens. */
function readRankJson(text: string, source: string): { lines: string; specialTokens: Record<string, number> } {
  let json: { bpe_ranks?: unknown; special_tokens?: unknown; pat_str?: unknown };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RankFileError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json.bpe_ranks !== "string") {
    throw new RankFileError(`${source}: expected a "bpe_ranks" string, as tiktoken's encoders/*.json have`);
  }
  checkPattern(json, source);
  return { lines: json.bpe_ranks, specialTokens: specialsOf(json, source) };
}

const KEY = new TextEncoder().encode('"bpe_ranks"');
const utf8 = new TextDecoder();

/**
 * The fast path for the npm package's encoder JSON, on the file's bytes: the body of the `bpe_ranks`
 * string (still JSON-escaped: lines end in the two characters `\n`, which the core reads as such) and the
 * special tokens parsed from the rest. Skips JSON.parse, a UTF-16 copy and a UTF-8 re-encode of ~0.5 MB,
 * a third of a cold GPT-2 load. Returns null when the file is not in that shape (the caller falls back).
 */
export function rankJsonBody(
  bytes: Uint8Array,
  source = "rank file",
): { body: Uint8Array; specialTokens: Record<string, number> } | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const key = buf.indexOf(KEY);
  if (key < 0 || buf.indexOf(KEY, key + 1) >= 0) return null;
  let open = key + KEY.length;
  while (open < buf.length && (buf[open] === 0x20 || buf[open] === 0x3a || buf[open] === 0x0a)) open++;
  if (buf[open] !== 0x22) return null;
  const close = buf.indexOf(0x22, open + 1); // base64 and "\n" hold no quote
  if (close < 0 || buf[close - 1] === 0x5c) return null;
  let rest: { special_tokens?: unknown; pat_str?: unknown };
  try {
    rest = JSON.parse(`${utf8.decode(buf.subarray(0, open))}""${utf8.decode(buf.subarray(close + 1))}`);
  } catch {
    return null;
  }
  checkPattern(rest, source);
  return { body: bytes.subarray(open + 1, close), specialTokens: specialsOf(rest, source) };
}

/** Reads either format from its text: JSON (npm package) or `.tiktoken` lines. */
export function parseTiktokenRanks(text: string, source = "rank file"): TiktokenRanks {
  if (text.trimStart().startsWith("{")) {
    const { lines, specialTokens } = readRankJson(text, source);
    return { tokens: parseNpmBpeRanks(lines, source, specialTokens), specialTokens };
  }
  return { tokens: parseTiktokenFile(text, source), specialTokens: {} };
}
