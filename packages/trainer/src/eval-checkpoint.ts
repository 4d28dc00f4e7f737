// `eval` end to end: a checkpoint and a token array (.npy, memory-mapped) → loss, perplexity and, given the
// tokenizer folder, bits per byte (each scored target's exact byte length from the tokenizer; see eval.ts).
// Ids are checked against the model's vocabulary before any model call.
// Leaves out: evaluating several checkpoints in one call (run it once per checkpoint).
import type { Device } from "@cs336-ts/model/runtime/session.ts";
import { openNpy } from "./data/npy.ts";
import { checkTokenIds } from "./data/validate.ts";
import { type EvalResult, evaluate } from "./eval.ts";
import { checkVocabMatch, openTokenizer } from "./generate-checkpoint.ts";
import { loadInferenceModel } from "./generate-model.ts";

export type EvalRequest = {
  checkpoint: string;
  data: string;
  tokenizer?: string | null;
  batchSize: number;
  maxTokens?: number;
  device?: Device;
  threads?: number;
  onProgress?: (done: number, total: number) => void;
};

export type EvalReport = EvalResult & { iteration: number; contextLength: number; dataTokens: number };

export async function evaluateCheckpoint(req: EvalRequest): Promise<EvalReport> {
  const { data } = openNpy(req.data);
  const { checkpoint, model } = await loadInferenceModel(req.checkpoint, {
    ...(req.device ? { device: req.device } : {}),
    ...(req.threads ? { threads: req.threads } : {}),
  });
  const tokenizer = req.tokenizer ? openTokenizer(req.tokenizer) : null;
  try {
    checkTokenIds(data, model.vocabSize, req.data);
    let tokenByteLength: ((id: number) => number) | undefined;
    if (tokenizer && req.tokenizer) {
      checkVocabMatch(tokenizer, model, req.tokenizer);
      const lengths = Int32Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.tokenBytes(id).length);
      tokenByteLength = (id) => lengths[id] as number;
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
