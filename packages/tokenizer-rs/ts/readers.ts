// Reading tokenizer files into plain values (CS336's vocab Map and merges list, tiktoken's tokens by
// rank): GPT-2 vocab.json + merges.txt, Hugging Face tokenizer.json and tiktoken rank files. The core
// parses them (src/encode/files.rs, rank_file.rs: the one reader of these formats, whose errors name the
// file, line and token); this module reads the files and turns the core's parts (src/wasm/files.rs) into
// Maps and arrays. Tokenizer.fromFiles hands the bytes straight to the core instead.
import { readFileOrExplain } from "./fs-error.ts";
import type { Merges, Vocab } from "./train.ts";
import { encodeStringList, threadInstance } from "./wasm.ts";

type Parse = (...ptrLens: number[]) => number;
type ParseExports = {
  parse_vocab_json: Parse;
  parse_merges_txt: Parse;
  parse_tokenizer_json: Parse;
  parse_rank_file: Parse;
};

export type TiktokenRanks = {
  /** tokens[rank] = the token's bytes. */
  tokens: Uint8Array[];
  /** Special token → id (ids come after the ranked tokens, or fill a hole between them). */
  specialTokens: Record<string, number>;
};

/** What a file holds: vocab (id → bytes, in file order), merges, and its special tokens with their ids. */
type Parts = { vocab: Vocab; merges: Merges; specialTokens: string[]; specialIds: number[] };

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Runs the core's parser `name` over `parts` and reads back what it found. */
function parse(name: keyof ParseExports, parts: Uint8Array[]): Parts {
  const w = threadInstance();
  w.check(w.callWith(parts, w.exportsAs<ParseExports>()[name]));
  return readParts(w.takeResult());
}

/** The layout of src/wasm/files.rs: counts and lengths u32 LE; tokens are views into `b`. */
function readParts(b: Uint8Array): Parts {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  const int = () => {
    off += 4;
    return dv.getUint32(off - 4, true);
  };
  const item = () => {
    const n = int();
    off += n;
    return b.subarray(off - n, off);
  };
  const ids = Array.from({ length: int() }, () => int());
  const vocab: Vocab = new Map();
  for (const id of ids) vocab.set(id, item());
  const merges: Merges = Array.from({ length: int() }, () => [item(), item()]);
  const specialTokens = Array.from({ length: int() }, () => utf8Decoder.decode(item()));
  const specialIds = specialTokens.map(() => int());
  return { vocab, merges, specialTokens, specialIds };
}

/** Parses vocab.json text into id → bytes. Special tokens given are read as raw text. */
export function parseVocabJson(text: string, specialTokens: readonly string[] = [], name = "vocab.json"): Vocab {
  return parse("parse_vocab_json", [utf8.encode(text), encodeStringList(specialTokens), encodeStringList([name])])
    .vocab;
}

/** Parses merges.txt text (one "left right" per line; a leading "#version" line is skipped). */
export function parseMergesTxt(text: string, name = "merges.txt"): Merges {
  return parse("parse_merges_txt", [utf8.encode(text), encodeStringList([name])]).merges;
}

export function loadVocabMerges(vocabPath: string, mergesPath: string, specialTokens: readonly string[] = []) {
  const vocabText = readFileOrExplain(vocabPath, "vocab file");
  const vocab = parse("parse_vocab_json", [
    vocabText,
    encodeStringList(specialTokens),
    encodeStringList([vocabPath]),
  ]).vocab;
  const mergesText = readFileOrExplain(mergesPath, "merges file");
  return { vocab, merges: parse("parse_merges_txt", [mergesText, encodeStringList([mergesPath])]).merges };
}

/** Loads a Hugging Face tokenizer.json with a byte-level BPE model; specials are its added_tokens. */
export function loadTokenizerJson(path: string): { vocab: Vocab; merges: Merges; specialTokens: string[] } {
  const { vocab, merges, specialTokens } = parse("parse_tokenizer_json", [
    readFileOrExplain(path, "tokenizer file"),
    encodeStringList([path]),
  ]);
  return { vocab, merges, specialTokens };
}

/**
 * Reads a tiktoken rank file's text, either format: `.tiktoken` lines (`base64token rank`) or the JSON the
 * tiktoken npm package ships (`bpe_ranks`, `special_tokens`, and a `pat_str` that must be GPT-2's). A rank
 * missing between others is filled by the special token with that id (p50k_base's <|endoftext|>).
 * Errors are RankFileErrors, named by `source` when given.
 */
export function parseTiktokenRanks(text: string, source = ""): TiktokenRanks {
  const none = encodeStringList([]);
  const parts = parse("parse_rank_file", [utf8.encode(text), none, new Uint8Array(0), encodeStringList([source])]);
  const specialTokens: Record<string, number> = {};
  parts.specialTokens.forEach((s, i) => {
    specialTokens[s] = parts.specialIds[i] as number;
  });
  return { tokens: [...parts.vocab.values()], specialTokens };
}
