// The tokenizer's CS336 adapters (tests/adapters.ts: run_train_bpe, get_tokenizer_from_files) as the
// package's own tests call them: the same thin conversions onto trainBpe and Tokenizer.fromFiles, copied
// here because package tests never import the root tests/ folder. Keep in step with
// tests/adapters/tokenizer-train.ts and tests/adapters/tokenizer-encode.ts.
import { type Merges, Tokenizer, trainBpe, type Vocab } from "@cs336-ts/tokenizer";

export type AdapterTokenizer = {
  encode(text: string): number[];
  decode(ids: number[]): string;
  encodeIterable(chunks: Iterable<string> | AsyncIterable<string>): AsyncIterable<number>;
};

export async function runTrainBpe(
  inputPath: string,
  vocabSize: number,
  specialTokens: string[],
): Promise<{ vocab: Vocab; merges: Merges }> {
  const { vocab, merges } = await trainBpe({ input: inputPath, vocabSize, specialTokens });
  return { vocab, merges };
}

export async function getTokenizerFromFiles(
  vocabJsonPath: string,
  mergesTxtPath: string,
  specialTokens?: string[],
): Promise<AdapterTokenizer> {
  const t = Tokenizer.fromFiles({ vocab: vocabJsonPath, merges: mergesTxtPath, specialTokens: specialTokens ?? [] });
  return {
    encode: (text) => Array.from(t.encode(text)),
    decode: (ids) => t.decode(ids),
    encodeIterable: (chunks) => t.encodeIterable(chunks),
  };
}
