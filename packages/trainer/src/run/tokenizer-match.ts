// Which tokenizer a run was trained with, and the checks that refuse another: a tokenizer folder is named by
// the sha256 of its vocab.json and merges.txt, which every checkpoint records (and run.json beside it). Token
// ids only mean text through the tokenizer that made them, so a different one gives wrong generated text and
// wrong bits per byte with no error; a different vocabulary size does not even fit the embedding table.
// Each refusal names both sides and the flag that overrides it (--allow-tokenizer-mismatch).
// Leaves out: tokenizer.json (a folder's vocab.json and merges.txt are the identity train-bpe writes).
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Checkpoint } from "./checkpoint.ts";
import { readRunInfo, runPaths } from "./run-dir.ts";

export class TokenizerMismatchError extends Error {
  override name = "TokenizerMismatchError";
}

export const OVERRIDE_FLAG = "--allow-tokenizer-mismatch";

const short = (sha: string) => `${sha.slice(0, 12)}…`;

function tokenizerFile(dir: string, name: string): string {
  const p = join(dir, name);
  if (!existsSync(p) || !statSync(p).isFile()) {
    throw new Error(`tokenizer folder ${dir} has no ${name}; pass the folder written by \`bun run cli train-bpe\``);
  }
  return p;
}

/** sha256 over vocab.json then merges.txt of a tokenizer folder. */
export function tokenizerHash(dir: string): string {
  const h = new Bun.CryptoHasher("sha256");
  for (const name of ["vocab.json", "merges.txt"]) h.update(readFileSync(tokenizerFile(dir, name)));
  return h.digest("hex");
}

/** Token ids of a folder's vocab.json (train-bpe writes every id there, special tokens included). */
export function tokenizerVocabSize(dir: string): number {
  const path = tokenizerFile(dir, "vocab.json");
  let vocab: unknown;
  try {
    vocab = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}); pass a folder written by train-bpe`);
  }
  if (typeof vocab !== "object" || vocab === null || Array.isArray(vocab)) {
    throw new Error(`${path} must hold a JSON object of token: id`);
  }
  return Object.keys(vocab).length;
}

/** The tokenizer a checkpoint's run recorded: its sha256, its folder, and where the hash was read. */
export type RecordedTokenizer = { sha256: string; dir: string | null; source: string };

/**
 * What the loaded checkpoint (read from `path`) records, else run.json of the run folder holding it
 * (checkpoints written before the header carried the hash); null when neither says (e.g. a run trained
 * without --tokenizer).
 */
export function recordedTokenizer(checkpoint: Checkpoint, path: string): RecordedTokenizer | null {
  const dir = checkpoint.config?.tokenizer ?? null;
  if (checkpoint.tokenizerSha256) return { sha256: checkpoint.tokenizerSha256, dir, source: path };
  const folder = dirname(path);
  if (basename(folder) !== "checkpoints") return null;
  const sha = readRunInfo(dirname(folder))?.tokenizerSha256;
  return typeof sha === "string" ? { sha256: sha, dir, source: runPaths(dirname(folder)).info } : null;
}

/**
 * Refuses `dir` when its hash is not the recorded one. With `allow`, returns the warning to print instead;
 * null when they match (or nothing was recorded, so there is nothing to compare).
 */
export function checkTokenizerHash(
  dir: string,
  recorded: RecordedTokenizer | null,
  allow: boolean,
  what = "this checkpoint's run was trained with",
): string | null {
  if (!recorded) return null;
  const sha = tokenizerHash(dir);
  if (sha === recorded.sha256) return null;
  const same = recorded.dir !== null && join(recorded.dir) === join(dir);
  const message = same
    ? `the tokenizer folder ${dir} has changed since the run used it (sha256 ${short(sha)} now, ` +
      `${short(recorded.sha256)} recorded in ${recorded.source}): its ids now mean different text`
    : `the tokenizer in ${dir} (sha256 ${short(sha)}) is not the one ${what} ` +
      `(sha256 ${short(recorded.sha256)}, recorded in ${recorded.source}` +
      `${recorded.dir ? `; its folder was ${recorded.dir}` : ""}): its ids mean different text`;
  if (allow) return `warning: ${message}; going on because of ${OVERRIDE_FLAG}`;
  const fix = same || !recorded.dir ? "use the run's tokenizer" : `pass --tokenizer ${recorded.dir}`;
  throw new TokenizerMismatchError(`${message}. ${fix}, or ${OVERRIDE_FLAG} to use this one anyway`);
}

/**
 * Refuses a tokenizer whose vocabulary size is not the model's; with `allow`, returns the warning. `model`
 * describes the model's size in the caller's words, `fix` says what to do instead.
 */
export function checkVocabSize(
  dir: string,
  sizes: { tokenizer: number; model: number },
  allow: boolean,
  words: { model: string; fix: string },
): string | null {
  if (sizes.tokenizer === sizes.model) return null;
  const message = `the tokenizer in ${dir} has ${sizes.tokenizer} tokens but ${words.model} ${sizes.model}`;
  if (allow) return `warning: ${message}; going on because of ${OVERRIDE_FLAG}`;
  throw new TokenizerMismatchError(`${message}; ${words.fix}, or ${OVERRIDE_FLAG} to use it anyway`);
}
