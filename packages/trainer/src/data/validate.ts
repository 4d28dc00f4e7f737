// Checks a token array against the model's vocabulary before training starts: one linear scan of the
// memory-mapped ids (pages stream through once), reporting the first id out of range with its position.
// Catching it here beats an out-of-bounds Gather deep inside the runtime hours into a run.
// Leaves out: checking that the ids came from a particular tokenizer (run-dir records its hash).
import type { TokenArray } from "./npy.ts";

export class TokenRangeError extends RangeError {
  override name = "TokenRangeError";
}

export type IdStats = { length: number; maxId: number };

/**
 * Throws a TokenRangeError naming the first id >= vocabSize (or < 0); returns the length and max id (-1: not
 * scanned). `fix` replaces the training advice (re-encode, or --vocab-size) for callers without that flag.
 */
export function scanTokenArray(data: TokenArray, vocabSize: number, source: string, fix?: string): IdStats {
  // uint16 ids cannot reach a vocabulary of 65536 or more: nothing to scan.
  if (data instanceof Uint16Array && vocabSize > 0xffff) return { length: data.length, maxId: -1 };
  let maxId = 0;
  // Scan in blocks so the common case is a tight max loop; locate the offender only when one exists.
  const BLOCK = 1 << 16;
  for (let start = 0; start < data.length; start += BLOCK) {
    const end = Math.min(start + BLOCK, data.length);
    let blockMax = 0;
    let blockMin = 0;
    for (let i = start; i < end; i++) {
      const v = data[i]!;
      if (v > blockMax) blockMax = v;
      if (v < blockMin) blockMin = v;
    }
    if (blockMax >= vocabSize || blockMin < 0) {
      for (let i = start; i < end; i++) {
        const v = data[i]!;
        if (v >= vocabSize || v < 0) {
          const bad = `${source}: token id ${v} at position ${i} is not in [0, ${vocabSize})`;
          if (fix !== undefined) throw new TokenRangeError(`${bad}; ${fix}`);
          // The first offender need not be the largest id: the hint names the smallest vocabulary that fits all.
          const top = v < 0 ? -1 : largestId(data);
          const most = top < 0 ? "" : ` (its largest id is ${top}, so at least ${top + 1})`;
          throw new TokenRangeError(
            `${bad}; the array was encoded with a different tokenizer than the model's vocabulary: re-encode it ` +
              `with the run's tokenizer, or set --vocab-size to the tokenizer's vocabulary size${most}`,
          );
        }
      }
    }
    if (blockMax > maxId) maxId = blockMax;
  }
  return { length: data.length, maxId };
}

function largestId(data: TokenArray): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > max) max = data[i]!;
  return max;
}
