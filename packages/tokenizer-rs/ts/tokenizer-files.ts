// Where a Tokenizer's data comes from on disk, one path per kind of file, decided by the options given:
// GPT-2 `vocab.json` + `merges.txt` or a Hugging Face `tokenizer.json`, read here and handed to the core
// as bytes (src/encode/files.rs parses them and names file and line in its errors), or a tiktoken rank
// file (tiktoken-ranks.ts). Also the directory layout `train-bpe` writes, for the CLI.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createEncoder } from "./encoder-wasm.ts";
import { readFileOrExplain } from "./fs-error.ts";
import { rankJsonBody, splitRankFile } from "./tiktoken-ranks.ts";
import { encodeStringList } from "./wasm.ts";

export type FromFilesOptions =
  | { vocab: string; merges: string; specialTokens?: readonly string[] }
  | { tokenizerJson: string; specialTokens?: readonly string[] }
  | { tiktoken: string; specialTokens?: Readonly<Record<string, number>> };

export type LoadedRanks = {
  kind: "rankText";
  /** Rank lines, or (escaped) the body of the npm JSON's `bpe_ranks` string as bytes. */
  lines: string | Uint8Array;
  escaped: boolean;
  specialTokens: Record<string, number>;
  path: string;
};

function readText(path: string, what: string): string {
  return new TextDecoder().decode(readFileOrExplain(path, what));
}

/**
 * The encoder for vocab.json + merges.txt or a tokenizer.json, built by the core from the files' bytes
 * (src/encode/files.rs, which words every error with the file's name and line); owned by `owner`.
 */
export function encoderFromFiles(owner: object, opts: Exclude<FromFilesOptions, { tiktoken: string }>): number {
  const specials = encodeStringList(opts.specialTokens ?? []);
  if ("tokenizerJson" in opts) {
    const text = readFileOrExplain(opts.tokenizerJson, "tokenizer file");
    return createEncoder(owner, "tokenizerJson", [text, specials, encodeStringList([opts.tokenizerJson])]);
  }
  const vocab = readFileOrExplain(opts.vocab, "vocab file");
  const merges = readFileOrExplain(opts.merges, "merges file");
  return createEncoder(owner, "gpt2Files", [vocab, merges, specials, encodeStringList([opts.vocab, opts.merges])]);
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

export function loadRankFile(opts: {
  tiktoken: string;
  specialTokens?: Readonly<Record<string, number>>;
}): LoadedRanks {
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
