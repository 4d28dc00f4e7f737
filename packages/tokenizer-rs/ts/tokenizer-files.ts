// Where a Tokenizer's data comes from on disk: GPT-2 `vocab.json` + `merges.txt`, a Hugging Face
// `tokenizer.json` (both read by files.ts, as the trainer writes them), or a tiktoken rank file
// (tiktoken-ranks.ts). Also the directory layout `train-bpe` writes, for the CLI. Reading only: the
// Tokenizer is built by the caller, and construction errors are mapped back to file lines here.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTokenizerJson, loadVocabMerges } from "./files.ts";
import { readFileOrExplain } from "./fs-error.ts";
import { rankJsonBody, splitRankFile } from "./tiktoken-ranks.ts";

export type FromFilesOptions =
  | { vocab: string; merges: string; specialTokens?: readonly string[] }
  | { tokenizerJson: string; specialTokens?: readonly string[] }
  | { tiktoken: string; specialTokens?: Readonly<Record<string, number>> };

export type LoadedFiles =
  | {
      kind: "merges";
      vocab: Map<number, Uint8Array>;
      merges: Array<[Uint8Array, Uint8Array]>;
      specialTokens: string[];
      mergesPath: string;
    }
  | {
      kind: "rankText";
      /** Rank lines, or (escaped) the body of the npm JSON's `bpe_ranks` string as bytes. */
      lines: string | Uint8Array;
      escaped: boolean;
      specialTokens: Record<string, number>;
      path: string;
    };

export type LoadedRanks = Extract<LoadedFiles, { kind: "rankText" }>;

function readText(path: string, what: string): string {
  return new TextDecoder().decode(readFileOrExplain(path, what));
}

/**
 * vocab.json + merges.txt bytes and the special tokens for the core's fast loader (src/encode_files.rs):
 * the files themselves, or for a tokenizer.json its model's vocab and merges in the same forms (its
 * specials are its added tokens). Null when a file is unreadable or not in that shape; the JS loader
 * (`loadFiles`) then reports the problem.
 */
export function gpt2FileBytes(
  opts: FromFilesOptions,
): { vocab: Uint8Array; merges: Uint8Array; specialTokens: string[] } | null {
  try {
    if ("vocab" in opts) {
      const specialTokens = [...(opts.specialTokens ?? [])];
      return { vocab: readFileSync(opts.vocab), merges: readFileSync(opts.merges), specialTokens };
    }
    if (!("tokenizerJson" in opts)) return null;
    const doc = JSON.parse(readFileSync(opts.tokenizerJson, "utf8")) as {
      model?: { type?: string; vocab?: unknown; merges?: unknown };
      added_tokens?: Array<{ content?: unknown }>;
    };
    const { vocab, merges } = doc.model ?? {};
    if (doc.model?.type !== "BPE" || typeof vocab !== "object" || !Array.isArray(merges)) return null;
    const own = (doc.added_tokens ?? []).map((t) => t.content);
    if (!own.every((t): t is string => typeof t === "string")) return null;
    if (opts.specialTokens?.some((t) => !own.includes(t))) return null;
    const lines = merges.map((m: unknown) => (Array.isArray(m) ? m.join(" ") : m));
    if (!lines.every((l) => typeof l === "string")) return null;
    const enc = new TextEncoder();
    return { vocab: enc.encode(JSON.stringify(vocab)), merges: enc.encode(lines.join("\n")), specialTokens: own };
  } catch {
    return null;
  }
}

/** A rank file as text: the fallback when the fast path (`rankJsonBody`) does not apply or fails. */
export function rankFileText(path: string, specialTokens?: Readonly<Record<string, number>>): LoadedRanks {
  const f = splitRankFile(readText(path, "rank file"), path);
  return {
    kind: "rankText",
    lines: f.lines,
    escaped: false,
    specialTokens: { ...f.specialTokens, ...specialTokens },
    path,
  };
}

/** Checks that specials asked for are among the file's own (a tokenizer.json lists its specials). */
function checkSpecials(asked: readonly string[] | undefined, own: string[], path: string): string[] {
  if (asked === undefined) return own;
  const missing = asked.filter((s) => !own.includes(s));
  if (missing.length > 0) {
    throw new Error(
      `special token${missing.length > 1 ? "s" : ""} ${missing.map((s) => JSON.stringify(s)).join(", ")} ` +
        `not in ${path} (its special tokens: ${own.length ? own.map((s) => JSON.stringify(s)).join(", ") : "none"}); ` +
        "retrain with them or drop the flag",
    );
  }
  return own;
}

export function loadFiles(opts: FromFilesOptions): LoadedFiles {
  if ("tiktoken" in opts) {
    const bytes = readFileOrExplain(opts.tiktoken, "rank file");
    const json = bytes[0] === 0x7b ? rankJsonBody(bytes, opts.tiktoken) : null;
    if (!json) return rankFileText(opts.tiktoken, opts.specialTokens);
    return {
      kind: "rankText",
      lines: json.body,
      escaped: true,
      specialTokens: { ...json.specialTokens, ...opts.specialTokens },
      path: opts.tiktoken,
    };
  }
  if ("tokenizerJson" in opts) {
    const t = loadTokenizerJson(opts.tokenizerJson);
    const specialTokens = checkSpecials(opts.specialTokens, t.specialTokens, opts.tokenizerJson);
    return { kind: "merges", vocab: t.vocab, merges: t.merges, specialTokens, mergesPath: opts.tokenizerJson };
  }
  const specialTokens = [...(opts.specialTokens ?? [])];
  const t = loadVocabMerges(opts.vocab, opts.merges, specialTokens);
  return { kind: "merges", vocab: t.vocab, merges: t.merges, specialTokens, mergesPath: opts.merges };
}

/**
 * A tokenizer directory as `train-bpe` writes it: tokenizer.json (specials included) when present,
 * else vocab.json + merges.txt with the special tokens given.
 */
export function directoryFiles(dir: string, specialTokens?: readonly string[]): FromFilesOptions {
  const tj = join(dir, "tokenizer.json");
  const vocab = join(dir, "vocab.json");
  const merges = join(dir, "merges.txt");
  if (existsSync(tj)) return specialTokens ? { tokenizerJson: tj, specialTokens } : { tokenizerJson: tj };
  if (existsSync(vocab) && existsSync(merges)) return { vocab, merges, specialTokens: specialTokens ?? [] };
  throw new Error(
    `${dir} holds no tokenizer: expected tokenizer.json, or vocab.json + merges.txt (as \`bun run cli train-bpe\` writes)`,
  );
}

/**
 * Turns the core's "merge #N" error into the merges file's line number (merges.txt skips a leading
 * #version line and blank lines; tokenizer.json's merges have no lines of their own).
 */
export function mergeErrorWithLine(message: string, mergesPath: string): string {
  const m = /^merge #(\d+) \(0-based \d+\)/.exec(message);
  if (!m || !mergesPath.endsWith(".txt")) return message;
  const want = Number(m[1]);
  let seen = 0;
  const lines = readText(mergesPath, "merges file").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line === "" || (i === 0 && line.startsWith("#version"))) continue;
    if (++seen === want) return `${mergesPath} line ${i + 1}: the merge${message.slice(m[0].length)}`;
  }
  return message;
}
