// Where a Tokenizer's data comes from on disk, one path per kind of file, decided by the options given:
// GPT-2 `vocab.json` + `merges.txt`, a Hugging Face `tokenizer.json` or a tiktoken rank file (`.tiktoken`
// or the npm package's JSON, told apart by the core from the content), read here and handed to the core
// (WASM or native) as bytes; it parses them and names file and line in its errors. Also the directory
// layout `train-bpe` writes, for the CLI.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EncoderSource } from "./encoder-core.ts";
import { readFileOrExplain } from "./fs-error.ts";

export type FromFilesOptions =
  | { vocab: string; merges: string; specialTokens?: readonly string[] }
  | { tokenizerJson: string; specialTokens?: readonly string[] }
  | { tiktoken: string; specialTokens?: Readonly<Record<string, number>> };

/**
 * The encoder source for `opts`: the files' bytes, which the core parses (src/encode/files.rs,
 * rank_file.rs), naming file and line in its errors.
 */
export function filesSource(opts: FromFilesOptions): EncoderSource {
  if ("tiktoken" in opts) {
    const text = readFileOrExplain(opts.tiktoken, "rank file");
    return { kind: "rankFile", text, specials: opts.specialTokens ?? {}, name: opts.tiktoken };
  }
  const specials = opts.specialTokens ?? [];
  if ("tokenizerJson" in opts) {
    const text = readFileOrExplain(opts.tokenizerJson, "tokenizer file");
    return { kind: "tokenizerJson", text, specials, name: opts.tokenizerJson };
  }
  const vocab = readFileOrExplain(opts.vocab, "vocab file");
  const merges = readFileOrExplain(opts.merges, "merges file");
  return { kind: "gpt2Files", vocab, merges, specials, vocabName: opts.vocab, mergesName: opts.merges };
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
    `${dir} holds no tokenizer: expected tokenizer.json, or vocab.json + merges.txt (as saveTokenizerFiles writes them)`,
  );
}
