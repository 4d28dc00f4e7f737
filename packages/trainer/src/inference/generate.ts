// Autoregressive generation (CS336 §6 "decoding"): run the model on the prompt, sample the next token from
// the last position's logits, append, repeat; the context is cropped to the model's context length, and
// generation stops at the end-of-text token or after maxTokens. With a KV cache (a model that offers
// `cachedContext`) the prompt is prefilled once and each step feeds one token; once the context is full the
// window slides, and each step re-prefills the last contextLength ids, which is what the uncached path
// computes (so both give the same tokens). Text streams out through an incremental UTF-8-safe decoder, so a
// multi-byte character split across tokens is printed once it is whole. Leaves out: batching several prompts.
import type { Rng } from "@cs336-ts/model";
import { type SamplingOptions, sampleToken, validateSampling } from "./sample.ts";

/** Anything that gives next-token logits for a context: the ONNX inference session, or a test double. */
export type NextTokenModel = {
  readonly vocabSize: number;
  readonly contextLength: number;
  /** Logits (length vocabSize) at the last position of `context` (1 ≤ length ≤ contextLength). */
  lastLogits(context: Int32Array): Promise<Float32Array>;
  /** A fresh KV cache for incremental decoding; absent, every step calls lastLogits on the whole context. */
  cachedContext?(): CachedContext;
};

/** The ids fed so far, held by the model as its KV cache. */
export type CachedContext = {
  /** How many ids have been fed since the last reset. */
  readonly length: number;
  /** Feeds `ids` after those already fed (length + ids.length ≤ contextLength); logits at the last of them. */
  append(ids: Int32Array): Promise<Float32Array>;
  /** Forgets every fed id. */
  reset(): void;
};

/** Turns token ids into text a piece at a time, holding back incomplete UTF-8 sequences. */
export type StreamingDecoder = { push(id: number): string; flush(): string };

export type GenerateOptions = SamplingOptions & {
  maxTokens: number;
  rng: Rng;
  /** Stop (without emitting it) when this id is sampled; null never stops early. */
  endOfText: number | null;
};

export type GenerateResult = {
  /** The sampled ids (excluding the prompt and the end-of-text token). */
  ids: number[];
  stoppedAt: "end-of-text" | "max-tokens";
};

/** Validates and returns the options; throws RangeError naming the bad value. */
function validateGenerate(opts: GenerateOptions, model: NextTokenModel, promptIds: readonly number[]): void {
  validateSampling(opts);
  if (!(Number.isSafeInteger(opts.maxTokens) && opts.maxTokens >= 0)) {
    throw new RangeError(`max-tokens must be a non-negative integer, got ${opts.maxTokens}`);
  }
  if (promptIds.length === 0) {
    throw new RangeError('the prompt encodes to no tokens; give a non-empty --prompt (e.g. "Once upon a time")');
  }
  for (const id of promptIds) {
    if (!(Number.isInteger(id) && id >= 0 && id < model.vocabSize)) {
      throw new RangeError(
        `prompt token id ${id} not in [0, ${model.vocabSize}); the tokenizer does not match the model`,
      );
    }
  }
}

/**
 * Samples up to `maxTokens` tokens after `promptIds`, calling `onToken` with each id as it is chosen (before
 * the next model call, so output streams). The end-of-text token is not passed to `onToken`.
 */
export async function generate(
  model: NextTokenModel,
  promptIds: readonly number[],
  opts: GenerateOptions,
  onToken?: (id: number) => void,
): Promise<GenerateResult> {
  validateGenerate(opts, model, promptIds);
  const T = model.contextLength;
  // The model only ever sees the last T ids, so only those are kept: a buffer of 2T whose last T - 1 ids
  // move to the front when it is full. Nothing is sized by maxTokens, which may be huge.
  const recent = new Int32Array(2 * T);
  const prompt = promptIds.slice(-T);
  recent.set(prompt);
  let length = prompt.length;
  const ids: number[] = [];
  const cached = model.cachedContext?.();
  for (let step = 0; step < opts.maxTokens; step++) {
    const context = recent.subarray(Math.max(0, length - T), length);
    let logits: Float32Array;
    if (!cached) logits = await model.lastLogits(context);
    else if (step > 0 && cached.length < T) logits = await cached.append(context.subarray(-1));
    else {
      // The prompt, or a window that slid past the context length: the cached keys were computed with ids
      // that are now out of the window, so prefill the window afresh.
      cached.reset();
      logits = await cached.append(context);
    }
    if (logits.length !== model.vocabSize) {
      throw new Error(`the model returned ${logits.length} logits, expected vocabSize ${model.vocabSize}`);
    }
    const next = sampleToken(logits, opts, opts.rng);
    if (next === opts.endOfText) return { ids, stoppedAt: "end-of-text" };
    if (length === recent.length) {
      recent.copyWithin(0, length - T + 1, length);
      length = T - 1;
    }
    recent[length++] = next;
    ids.push(next);
    onToken?.(next);
  }
  return { ids, stoppedAt: "max-tokens" };
}

/** Generates and streams decoded text to `write`; returns the result and the full text. */
export async function generateText(
  model: NextTokenModel,
  promptIds: readonly number[],
  decoder: StreamingDecoder,
  opts: GenerateOptions,
  write: (text: string) => void,
): Promise<GenerateResult & { text: string }> {
  let text = "";
  const emit = (piece: string) => {
    if (piece === "") return;
    text += piece;
    write(piece);
  };
  const result = await generate(model, promptIds, opts, (id) => emit(decoder.push(id)));
  emit(decoder.flush());
  return { ...result, text };
}
