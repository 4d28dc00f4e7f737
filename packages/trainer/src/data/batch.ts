// CS336's `get_batch` (assignment 1 §5.1): B windows of T+1 consecutive ids from a 1-D token array, x the
// first T and y the last T (shifted by one). Start positions are uniform over every valid start
// 0..len-T-1 inclusive, drawn from the seeded generator passed in, so a seed and a step name a batch.
// Leaves out: device placement (the caller hands the Int32Arrays to the runtime).
import type { Rng } from "@cs336-ts/model";
import type { TokenArray } from "./npy.ts";

export type Batch = { x: Int32Array; y: Int32Array; batchSize: number; contextLength: number };

/** Number of distinct windows of length T+1 in an array of `length` ids. */
function validStarts(length: number, contextLength: number): number {
  return length - contextLength;
}

/** Checks once that a dataset can give windows of T+1 ids; throws with the sizes and the fix. */
export function checkBatchable(length: number, contextLength: number, source = "dataset"): void {
  if (!Number.isSafeInteger(contextLength) || contextLength < 1) {
    throw new RangeError(`context length must be a positive integer, got ${contextLength}`);
  }
  if (validStarts(length, contextLength) < 1) {
    throw new RangeError(
      `${source} holds ${length} tokens but a batch needs windows of context length + 1 = ${contextLength + 1}; ` +
        "encode more text or lower --context-length",
    );
  }
}

/** Draws one batch; `rng` advances by exactly `batchSize` integer draws (so the stream is resumable). */
export function getBatch(dataset: TokenArray, batchSize: number, contextLength: number, rng: Rng): Batch {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  }
  checkBatchable(dataset.length, contextLength);
  const T = contextLength;
  const starts = validStarts(dataset.length, T);
  const x = new Int32Array(batchSize * T);
  const y = new Int32Array(batchSize * T);
  for (let b = 0; b < batchSize; b++) {
    const s = rng.nextInt(starts);
    // subarray over the mmap reads only the pages of this window.
    const window = dataset.subarray(s, s + T + 1);
    const row = b * T;
    for (let t = 0; t < T; t++) {
      x[row + t] = window[t]!;
      y[row + t] = window[t + 1]!;
    }
  }
  return { x, y, batchSize, contextLength: T };
}

/** K batches laid out [K, B, T] for one run of the K-step training graph. */
export function getBatches(dataset: TokenArray, k: number, batchSize: number, contextLength: number, rng: Rng) {
  const n = batchSize * contextLength;
  const x = new Int32Array(k * n);
  const y = new Int32Array(k * n);
  for (let i = 0; i < k; i++) {
    const b = getBatch(dataset, batchSize, contextLength, rng);
    x.set(b.x, i * n);
    y.set(b.y, i * n);
  }
  return { x, y };
}
