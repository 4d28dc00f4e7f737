// A checkpoint loaded into the model package's inference runners (weights as initializers: the KV-cache graph
// for generation, the full-logits graph for eval), and the library calls of `generate` and `eval` on it: the
// next-token logits of one context, incremental decoding with a KV cache, logits of a batch of windows, a
// tokenizer folder checked against the model (its vocabulary size, and its sha256 against the one the run
// recorded: run/tokenizer-match.ts), a prompt streamed through the tokenizer's incremental decoder, and loss /
// perplexity / bits per byte of a token array. An empty prompt starts from <|endoftext|> (an unconditional
// sample), as CS336's training data separates stories so. Leaves out: chat templates and batching prompts.
import { existsSync } from "node:fs";
import {
  createCachedInference,
  createInference,
  type Inference,
  type KvCache,
  type ModelConfig,
  type ParamMap,
  Rng,
} from "@cs336-ts/model";
import type { Device } from "@cs336-ts/model/runtime";
import { Tokenizer } from "@cs336-ts/tokenizer";
import { openNpy } from "../data/npy.ts";
import { scanTokenArray } from "../data/validate.ts";
import { type Checkpoint, loadCheckpoint } from "../run/checkpoint.ts";
import { checkTokenizerHash, checkVocabSize, recordedTokenizer } from "../run/tokenizer-match.ts";
import { type BatchLogitsModel, type EvalResult, evaluate } from "./eval.ts";
import { type CachedContext, type GenerateResult, generateText, type NextTokenModel } from "./generate.ts";

export const END_OF_TEXT = "<|endoftext|>";

export type InferenceModel = NextTokenModel &
  BatchLogitsModel & {
    readonly config: ModelConfig;
    release(): Promise<void>;
  };

export type InferenceOptions = {
  device?: Device;
  threads?: number;
  /**
   * Decode with a KV cache (default true): generation prefills once and feeds a token per step, and
   * `logits` builds its full-logits session on first use. false: one full-logits session, every step reruns
   * the context (the uncached path, kept for comparison).
   */
  kvCache?: boolean;
};

/** A session for `config` with `weights`; ids and lengths are checked on the host before each run. */
export async function createInferenceModel(
  config: ModelConfig,
  weights: ParamMap,
  opts: InferenceOptions = {},
): Promise<InferenceModel> {
  const runtime = { device: opts.device ?? "cpu", ...(opts.threads ? { intraOpThreads: opts.threads } : {}) };
  const V = config.vocabSize;
  let full: Promise<Inference> | null = null;
  const fullLogits = () => {
    full ??= createInference(config, weights, runtime);
    return full;
  };
  const release = async () => {
    if (full) await (await full).release();
  };
  if (opts.kvCache === false) {
    const lm = await fullLogits();
    return {
      config,
      vocabSize: V,
      contextLength: config.contextLength,
      async lastLogits(context) {
        const all = await lm.logits(context, [1, context.length]);
        return all.subarray((context.length - 1) * V, context.length * V);
      },
      logits: (ids, B, T) => lm.logits(ids, [B, T]),
      release,
    };
  }
  const kv = await createCachedInference(config, weights, runtime);
  return {
    config,
    vocabSize: V,
    contextLength: config.contextLength,
    lastLogits: async (context) => (await kv.extend(context, kv.emptyCache(1))).logits,
    cachedContext(): CachedContext {
      let cache: KvCache = kv.emptyCache(1);
      return {
        get length() {
          return cache.length;
        },
        async append(ids) {
          const r = await kv.extend(ids, cache);
          cache = r.cache;
          return r.logits;
        },
        reset() {
          cache = kv.emptyCache(1);
        },
      };
    },
    logits: async (ids, B, T) => (await fullLogits()).logits(ids, [B, T]),
    async release() {
      await kv.release();
      await release();
    },
  };
}

/** Loads a checkpoint (weights only are used) and builds its inference session. */
export async function loadInferenceModel(
  checkpointPath: string,
  opts: InferenceOptions = {},
): Promise<{ checkpoint: Checkpoint; model: InferenceModel }> {
  const checkpoint = loadCheckpoint(checkpointPath);
  const model = await createInferenceModel(checkpoint.model, checkpoint.state.params, opts);
  return { checkpoint, model };
}

/** Opens a tokenizer folder with a message that says what to pass instead. */
function openTokenizer(dir: string): Tokenizer {
  if (!existsSync(dir)) {
    throw new Error(`tokenizer folder ${dir} not found; pass the folder \`bun run cli train-bpe --out\` wrote`);
  }
  return Tokenizer.fromDirectory(dir);
}

/** What to do with a tokenizer other than the run's: refuse it (the default), or warn and go on. */
export type TokenizerPolicy = { allowTokenizerMismatch?: boolean; warn?: (message: string) => void };

/**
 * Refuses a tokenizer whose ids do not match the model's embedding rows, or whose sha256 is not the one the
 * checkpoint's run recorded (ids that mean other text); with allowTokenizerMismatch each is a warning.
 */
function checkTokenizer(
  tokenizer: Tokenizer,
  tokenizerDir: string,
  model: InferenceModel,
  checkpoint: Checkpoint,
  checkpointPath: string,
  policy: TokenizerPolicy,
): void {
  const allow = policy.allowTokenizerMismatch === true;
  const warnings = [
    checkVocabSize(tokenizerDir, { tokenizer: tokenizer.vocabSize, model: model.vocabSize }, allow, {
      model: "the model was trained with vocab size",
      fix: "use the tokenizer the training data was encoded with",
    }),
    checkTokenizerHash(tokenizerDir, recordedTokenizer(checkpoint, checkpointPath), allow),
  ];
  for (const w of warnings) if (w) (policy.warn ?? console.warn)(w);
}

/** Ids the tokenizer cannot decode (a model with a padded vocabulary) are never sampled. */
function onlyDecodable(model: InferenceModel, tokenizerVocab: number): InferenceModel {
  if (tokenizerVocab >= model.vocabSize) return model;
  const mask = (logits: Float32Array) => {
    const out = logits.slice();
    out.fill(Number.NEGATIVE_INFINITY, tokenizerVocab);
    return out;
  };
  const { cachedContext } = model;
  return {
    ...model,
    lastLogits: async (context) => mask(await model.lastLogits(context)),
    ...(cachedContext && {
      cachedContext(): CachedContext {
        const inner = cachedContext.call(model);
        return {
          get length() {
            return inner.length;
          },
          append: async (ids) => mask(await inner.append(ids)),
          reset: () => inner.reset(),
        };
      },
    }),
  };
}

const runtimeOf = (o: InferenceOptions): InferenceOptions => ({
  ...(o.device ? { device: o.device } : {}),
  ...(o.threads ? { threads: o.threads } : {}),
  ...(o.kvCache !== undefined ? { kvCache: o.kvCache } : {}),
});

export type GenerateRequest = {
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  /** The k most likely ids only (0 or absent: off). */
  topK?: number;
  seed: number;
};

export type GenerateReport = GenerateResult & { text: string; promptTokens: number; seconds: number };

/** Samples a continuation of `req.prompt`, writing decoded text to `write` as it is produced. */
export async function generateWith(
  model: InferenceModel,
  tokenizer: Tokenizer,
  req: GenerateRequest,
  write: (text: string) => void,
): Promise<GenerateReport> {
  const eot = tokenizer.specialTokenIds.get(END_OF_TEXT) ?? null;
  let promptIds = [...tokenizer.encode(req.prompt)];
  if (promptIds.length === 0) {
    if (eot === null) {
      throw new Error(`an empty prompt starts from ${END_OF_TEXT}, which this tokenizer lacks; give a --prompt`);
    }
    promptIds = [eot];
  }
  const started = performance.now();
  const result = await generateText(
    onlyDecodable(model, tokenizer.vocabSize),
    promptIds,
    tokenizer.decoder(),
    {
      temperature: req.temperature,
      topP: req.topP,
      topK: req.topK ?? 0,
      maxTokens: req.maxTokens,
      rng: Rng.seeded(req.seed),
      endOfText: eot,
    },
    write,
  );
  return { ...result, promptTokens: promptIds.length, seconds: (performance.now() - started) / 1000 };
}

/** The `generate` command's library call: checkpoint + tokenizer folder → streamed text. */
export async function generateFromCheckpoint(
  opts: GenerateRequest & InferenceOptions & TokenizerPolicy & { checkpoint: string; tokenizer: string },
  write: (text: string) => void,
  /** Called once everything is loaded and checked, right before sampling (e.g. to echo the prompt). */
  onStart?: () => void,
): Promise<GenerateReport> {
  const tokenizer = openTokenizer(opts.tokenizer);
  const { checkpoint, model } = await loadInferenceModel(opts.checkpoint, runtimeOf(opts));
  try {
    checkTokenizer(tokenizer, opts.tokenizer, model, checkpoint, opts.checkpoint, opts);
    onStart?.();
    return await generateWith(model, tokenizer, opts, write);
  } finally {
    await model.release();
    tokenizer.dispose();
  }
}

export type EvalRequest = InferenceOptions &
  TokenizerPolicy & {
    checkpoint: string;
    data: string;
    tokenizer?: string | null;
    batchSize: number;
    maxTokens?: number;
    onProgress?: (done: number, total: number) => void;
  };

export type EvalReport = EvalResult & { iteration: number; contextLength: number; dataTokens: number };

/**
 * The `eval` command's library call: a checkpoint and a token array (memory-mapped) → loss, perplexity and,
 * given the tokenizer folder, bits per byte (each scored target's exact byte length; see eval.ts). Ids are
 * checked against the model's vocabulary before any model call.
 */
export async function evaluateCheckpoint(req: EvalRequest): Promise<EvalReport> {
  const { data } = openNpy(req.data);
  // Eval scores whole windows: the full-logits session only.
  const { checkpoint, model } = await loadInferenceModel(req.checkpoint, { ...runtimeOf(req), kvCache: false });
  const tokenizer = req.tokenizer ? openTokenizer(req.tokenizer) : null;
  try {
    scanTokenArray(
      data,
      model.vocabSize,
      req.data,
      "the array was encoded with a tokenizer other than this model's: evaluate it with a checkpoint trained on " +
        "that tokenizer's ids, or re-encode the text with the run's tokenizer",
    );
    let tokenByteLength: ((id: number) => number) | undefined;
    if (tokenizer && req.tokenizer) {
      checkTokenizer(tokenizer, req.tokenizer, model, checkpoint, req.checkpoint, req);
      const lengths = Int32Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.tokenBytes(id).length);
      // An id past the tokenizer (allowed mismatch) has no bytes to count.
      tokenByteLength = (id) => lengths[id] ?? 0;
    }
    const result = await evaluate(model, data, {
      batchSize: req.batchSize,
      ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
      ...(tokenByteLength ? { tokenByteLength } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
    return { ...result, iteration: checkpoint.iteration, contextLength: model.contextLength, dataTokens: data.length };
  } finally {
    await model.release();
    tokenizer?.dispose();
  }
}
