// The merge loop's driver, shared by the WASM and the native trainer: merges run in batches (src/train.rs
// `step`) so progress can be reported and the event loop breathes between them; a batch that makes no
// merge means the data has no adjacent pair left, which is the caller's vocab size being too large.
import { TokenizerError } from "./errors.ts";
import { yieldToEventLoop } from "./yield.ts";

export type MergeProgress = { phase: "merge"; mergesDone: number; mergesTotal: number; seconds: number };

function mergeBatch(done: number, total: number): number {
  return Math.max(64, Math.min(2000, Math.ceil((total - done) / 20)));
}

/** Runs `vocabSize - 256 - specials` merges through `step(max)` (returns how many it made). */
export async function runMerges(
  step: (max: number) => number,
  vocabSize: number,
  specials: number,
  seconds: () => number,
  onProgress?: (p: MergeProgress) => void,
): Promise<void> {
  const mergesTotal = vocabSize - 256 - specials;
  let mergesDone = 0;
  while (mergesDone < mergesTotal) {
    const made = step(Math.min(mergesTotal - mergesDone, mergeBatch(mergesDone, mergesTotal)));
    mergesDone += made;
    onProgress?.({ phase: "merge", mergesDone, mergesTotal, seconds: seconds() });
    await yieldToEventLoop();
    if (made === 0) {
      throw new TokenizerError(
        `vocab size ${vocabSize} needs ${mergesTotal} merges, but the data allows only ${mergesDone} ` +
          `(no adjacent pair is left); use a vocab size of at most ${256 + specials + mergesDone} or more text`,
        "training",
      );
    }
  }
}
