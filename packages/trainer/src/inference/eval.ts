// Evaluation of a language model on a token array: mean cross-entropy (nats/token), perplexity and bits per
// byte. Deterministic by construction: the array is cut into sequential, non-overlapping windows of T+1 ids
// (inputs = the first T, targets = the last T, the next window starting where this one's targets end), so
// every scored token is scored exactly once, each with up to T tokens of context from its own window.
// Bits per byte = total nats / ln 2 / bytes of the scored target tokens, counted exactly from the tokenizer's
// per-id byte strings (not from a text file, whose bytes would not line up with a truncated or partial run).
// Leaves out: sliding-window (strided) evaluation, which gives every token a full context at T times the cost.
import type { TokenArray } from "../data/npy.ts";

/** Logits for a batch of windows: input ids (B·T, row-major) → logits (B·T·V, row-major). */
export type BatchLogitsModel = {
  readonly vocabSize: number;
  readonly contextLength: number;
  logits(ids: Int32Array, batch: number, seqLen: number): Promise<Float32Array>;
};

export type EvalOptions = {
  /** Windows per model call. */
  batchSize: number;
  /** Score at most this many target tokens (whole windows only); undefined = the whole array. */
  maxTokens?: number;
  /** Byte length of each token id, for bits per byte; omit to skip it. */
  tokenByteLength?: (id: number) => number;
  onProgress?: (done: number, total: number) => void;
};

export type EvalResult = {
  /** Mean cross-entropy in nats per token. */
  loss: number;
  perplexity: number;
  /** null when no byte lengths were given. */
  bitsPerByte: number | null;
  tokens: number;
  bytes: number | null;
  windows: number;
  /** Positions never scored as targets: the tail too short for a window, or beyond maxTokens. */
  unscored: number;
};

export class EvaluationError extends Error {
  override name = "EvaluationError";
}

/** The window starts: 0, T, 2T, … while a full window of T+1 ids fits. */
export function windowStarts(length: number, seqLen: number, maxTokens?: number): number[] {
  const count = length > seqLen ? Math.floor((length - 1) / seqLen) : 0;
  const limit = maxTokens === undefined ? count : Math.min(count, Math.floor(maxTokens / seqLen));
  return Array.from({ length: limit }, (_, i) => i * seqLen);
}

export async function evaluate(model: BatchLogitsModel, data: TokenArray, opts: EvalOptions): Promise<EvalResult> {
  const T = model.contextLength;
  const V = model.vocabSize;
  if (!(Number.isSafeInteger(opts.batchSize) && opts.batchSize >= 1)) {
    throw new EvaluationError(`batch size must be a positive integer, got ${opts.batchSize}`);
  }
  const starts = windowStarts(data.length, T, opts.maxTokens);
  if (starts.length === 0) {
    throw new EvaluationError(
      `the token array holds ${data.length} ids; evaluation needs at least contextLength + 1 = ${T + 1}` +
        (opts.maxTokens !== undefined ? ` and --max-tokens of at least ${T}` : ""),
    );
  }
  let nats = 0;
  let bytes = 0;
  let tokens = 0;
  for (let w = 0; w < starts.length; w += opts.batchSize) {
    const B = Math.min(opts.batchSize, starts.length - w);
    const ids = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const s = starts[w + b] as number;
      for (let t = 0; t < T; t++) {
        const id = data[s + t] as number;
        if (id >= V)
          throw new EvaluationError(`token id ${id} at position ${s + t} not in [0, ${V}): wrong tokenizer or model`);
        ids[b * T + t] = id;
      }
    }
    const logits = await model.logits(ids, B, T);
    if (logits.length !== B * T * V) {
      throw new EvaluationError(
        `the model returned ${logits.length} logits for a [${B}, ${T}] batch, expected ${B * T * V}`,
      );
    }
    for (let b = 0; b < B; b++) {
      const s = starts[w + b] as number;
      for (let t = 0; t < T; t++) {
        const target = data[s + t + 1] as number;
        if (target >= V) throw new EvaluationError(`token id ${target} at position ${s + t + 1} not in [0, ${V})`);
        nats += crossEntropyRow(logits, (b * T + t) * V, V, target);
        if (opts.tokenByteLength) bytes += opts.tokenByteLength(target);
      }
    }
    tokens += B * T;
    opts.onProgress?.(tokens, starts.length * T);
  }
  const loss = nats / tokens;
  const withBytes = opts.tokenByteLength !== undefined;
  return {
    loss,
    perplexity: Math.exp(loss),
    bitsPerByte: withBytes && bytes > 0 ? nats / Math.LN2 / bytes : null,
    tokens,
    bytes: withBytes ? bytes : null,
    windows: starts.length,
    unscored: data.length - 1 - starts.length * T,
  };
}

/** −log softmax(row)[target] in float64, via a max-shifted log-sum-exp. */
export function crossEntropyRow(logits: Float32Array, offset: number, V: number, target: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i] as number);
  if (!Number.isFinite(max)) throw new EvaluationError(`the model produced non-finite logits (max ${max})`);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp((logits[offset + i] as number) - max);
  return Math.log(sum) + max - (logits[offset + target] as number);
}
