// Adapters for the tokenizer-train area (see tests/adapters.ts): runTrainBpe runs the real trainer (the
// backend tests/adapters.ts names, parallel counting for large inputs) and only converts its result to the
// adapter types.
import { trainBpe } from "@cs336-ts/tokenizer";
import type { Merges, Vocab } from "../adapters.ts";

export async function runTrainBpe(
  inputPath: string,
  vocabSize: number,
  specialTokens: string[],
): Promise<{ vocab: Vocab; merges: Merges }> {
  const { vocab, merges } = await trainBpe({ input: inputPath, vocabSize, specialTokens });
  return { vocab, merges };
}
