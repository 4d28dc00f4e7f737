// Adapters for the tokenizer-encode area (see tests/adapters.ts): the real tokenizer (the backend
// tests/adapters.ts names), with arguments converted to and from the adapter types (ids as number[]) and
// nothing else.
import { Tokenizer } from "@cs336-ts/tokenizer";
import type { Merges, Vocab } from "../adapters.ts";

type AdapterTokenizer = {
  encode(text: string): number[];
  decode(ids: number[]): string;
  encodeIterable(chunks: Iterable<string> | AsyncIterable<string>): AsyncIterable<number>;
};

function wrap(t: Tokenizer): AdapterTokenizer {
  return {
    encode: (text) => Array.from(t.encode(text)),
    decode: (ids) => t.decode(ids),
    encodeIterable: (chunks) => t.encodeIterable(chunks),
  };
}

export async function getTokenizer(vocab: Vocab, merges: Merges, specialTokens?: string[]): Promise<AdapterTokenizer> {
  return wrap(Tokenizer.fromVocab(vocab, merges, specialTokens ?? []));
}

export async function getTokenizerFromFiles(
  vocabJsonPath: string,
  mergesTxtPath: string,
  specialTokens?: string[],
): Promise<AdapterTokenizer> {
  return wrap(Tokenizer.fromFiles({ vocab: vocabJsonPath, merges: mergesTxtPath, specialTokens: specialTokens ?? [] }));
}
