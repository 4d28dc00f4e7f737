// `generate` end to end: load a checkpoint and a tokenizer folder, check that they belong together, encode
// the prompt, and stream the sampled continuation through the tokenizer's incremental decoder. An empty
// prompt starts from <|endoftext|> (an unconditional sample), as CS336's training data separates stories so.
// Leaves out: chat templates and batching several prompts.
import { existsSync } from "node:fs";
import type { Device } from "@cs336-ts/model/runtime/session.ts";
import { Rng } from "@cs336-ts/model/random.ts";
import { Tokenizer } from "@cs336-ts/tokenizer";
import { type GenerateResult, generateText } from "./generate.ts";
import { type InferenceModel, loadInferenceModel } from "./generate-model.ts";

export const END_OF_TEXT = "<|endoftext|>";

export type GenerateRequest = {
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
};

export type GenerateReport = GenerateResult & { text: string; promptTokens: number; seconds: number };

/** Opens a tokenizer folder with a message that says what to pass instead. */
export function openTokenizer(dir: string): Tokenizer {
  if (!existsSync(dir)) {
    throw new Error(`tokenizer folder ${dir} not found; pass the folder \`bun run cli train-bpe --out\` wrote`);
  }
  return Tokenizer.fromDirectory(dir);
}

/** Refuses a tokenizer whose ids do not match the model's embedding rows. */
export function checkVocabMatch(tokenizer: Tokenizer, model: InferenceModel, tokenizerDir: string): void {
  if (tokenizer.vocabSize !== model.vocabSize) {
    throw new Error(
      `the tokenizer in ${tokenizerDir} has ${tokenizer.vocabSize} tokens but the model was trained with vocab size ` +
        `${model.vocabSize}; use the tokenizer the training data was encoded with`,
    );
  }
}

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
    model,
    promptIds,
    tokenizer.decoder(),
    {
      temperature: req.temperature,
      topP: req.topP,
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
  opts: GenerateRequest & { checkpoint: string; tokenizer: string; device?: Device; threads?: number },
  write: (text: string) => void,
  /** Called once everything is loaded and checked, right before sampling (e.g. to echo the prompt). */
  onStart?: () => void,
): Promise<GenerateReport> {
  const tokenizer = openTokenizer(opts.tokenizer);
  const { model } = await loadInferenceModel(opts.checkpoint, {
    ...(opts.device ? { device: opts.device } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
  try {
    checkVocabMatch(tokenizer, model, opts.tokenizer);
    onStart?.();
    return await generateWith(model, tokenizer, opts, write);
  } finally {
    await model.release();
    tokenizer.dispose();
  }
}
