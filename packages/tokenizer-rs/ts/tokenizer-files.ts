// Where a Tokenizer's data comes from on disk, one path per kind of file, decided by the options given:
// GPT-2 `vocab.json` + `merges.txt`, a Hugging Face `tokenizer.json` or a tiktoken rank file (`.tiktoken`
// or the npm package's JSON, told apart by the core from the content), read here and handed to the core
// as bytes; it parses them and names file and line in its errors. Also the directory layout `train-bpe`
// writes, for the CLI.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createEncoder } from "./encoder-wasm.ts";
import { readFileOrExplain } from "./fs-error.ts";
import { encodeStringList, idList } from "./wasm.ts";

export type FromFilesOptions =
  | { vocab: string; merges: string; specialTokens?: readonly string[] }
  | { tokenizerJson: string; specialTokens?: readonly string[] }
  | { tiktoken: string; specialTokens?: Readonly<Record<string, number>> };

/** `{ name: id }` as the core's two lists: names, and ids (u32 LE). */
export function specialParts(specials: Readonly<Record<string, number>>): [Uint8Array, Uint8Array] {
  const names = Object.keys(specials);
  return [encodeStringList(names), idList(names.map((n) => specials[n] as number))];
}

/**
 * The encoder for `opts`, built by the core from the files' bytes (src/encode/files.rs, rank_file.rs,
 * which word every error with the file's name and line); owned by `owner`.
 */
export function encoderFromFiles(owner: object, opts: FromFilesOptions): number {
  if ("tiktoken" in opts) {
    const text = readFileOrExplain(opts.tiktoken, "rank file");
    const parts = [text, ...specialParts(opts.specialTokens ?? {}), encodeStringList([opts.tiktoken])];
    return createEncoder(owner, "rankFile", parts);
  }
  const specials = encodeStringList(opts.specialTokens ?? []);
  if ("tokenizerJson" in opts) {
    const text = readFileOrExplain(opts.tokenizerJson, "tokenizer file");
    return createEncoder(owner, "tokenizerJson", [text, specials, encodeStringList([opts.tokenizerJson])]);
  }
  const vocab = readFileOrExplain(opts.vocab, "vocab file");
  const merges = readFileOrExplain(opts.merges, "merges file");
  return createEncoder(owner, "gpt2Files", [vocab, merges, specials, encodeStringList([opts.vocab, opts.merges])]);
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
