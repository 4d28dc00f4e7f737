// Where a Tokenizer's data comes from on disk, one path per kind of file, decided by the options given:
// GPT-2 `vocab.json` + `merges.txt`, a Hugging Face `tokenizer.json` or a tiktoken rank file (`.tiktoken`
// or the npm package's JSON, told apart by the core from the content), read here and handed to the core
// (WASM or native) as bytes; it parses them and names file and line in its errors. Also the directory
// layout `train-bpe` writes, for the CLI.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EncoderSource } from "./encoder-core.ts";
import { aTypeName } from "./errors.ts";
import { readFileOrExplain } from "./fs-error.ts";

export type FromFilesOptions =
  | { vocab: string; merges: string; specialTokens?: readonly string[] }
  | { tokenizerJson: string; specialTokens?: readonly string[] }
  | { tiktoken: string; specialTokens?: Readonly<Record<string, number>> };

const FORMS = "{ vocab, merges } (GPT-2 vocab.json and merges.txt paths), { tokenizerJson } or { tiktoken }";

/**
 * Exactly one of the three forms, with paths as strings: `{}` was read as the GPT-2 form and failed with
 * "cannot read vocab file undefined", and with two forms given one was silently ignored.
 */
function checkForm(opts: FromFilesOptions): void {
  if (typeof opts !== "object" || opts === null)
    throw new TypeError(`fromFiles takes ${FORMS}; got ${aTypeName(opts)}`);
  const o = opts as Record<string, unknown>;
  const given = ["tiktoken", "tokenizerJson", "vocab", "merges"].filter((k) => o[k] !== undefined);
  if (given.length === 0) {
    const keys = Object.keys(o);
    throw new TypeError(`fromFiles takes ${FORMS}; got ${keys.length ? `{ ${keys.join(", ")} }` : "{}"}`);
  }
  for (const k of given) {
    if (typeof o[k] !== "string") throw new TypeError(`${k} must be a file path; got ${aTypeName(o[k])}`);
  }
  const gpt2 = given.filter((k) => k === "vocab" || k === "merges");
  if (gpt2.length === 1) {
    const [has, lacks] = gpt2[0] === "vocab" ? ["vocab", "merges"] : ["merges", "vocab"];
    throw new TypeError(`fromFiles takes ${FORMS}; got { ${has} } without ${lacks}`);
  }
  const forms = given.filter((k) => k !== "merges");
  if (forms.length > 1) {
    throw new TypeError(`fromFiles takes ${FORMS}: give one of them, not ${forms.join(" and ")}`);
  }
}

/**
 * The encoder source for `opts`: the files' bytes, which the core parses (src/encode/files.rs,
 * rank_file.rs), naming file and line in its errors.
 */
export function filesSource(opts: FromFilesOptions): EncoderSource {
  checkForm(opts);
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
