// Samples during training (--sample-every): the run's current parameters in an inference session, the
// prompt through the run's tokenizer, one seeded continuation with the run's temperature and top-p — the same
// path as `generate` (inference/from-checkpoint.ts's generateWith), so what the run shows is what generate
// would print from a checkpoint of that step. A session is built for each sample (the weights are its
// initializers) and released at once: seconds at most for the models a CPU trains, every N steps.
// Leaves out: sampling several prompts, and sampling on another device than the run's.
import type { ParamMap } from "@cs336-ts/model";
import { Tokenizer } from "@cs336-ts/tokenizer";
import { createInferenceModel, generateWith } from "../inference/from-checkpoint.ts";
import type { RunConfig } from "../run/config.ts";

export type SampleText = { text: string; stoppedAt: "end-of-text" | "max-tokens" };

export type Sampler = {
  sample(params: ParamMap, seed: number): Promise<SampleText>;
  dispose(): void;
};

/** A sampler over the run's tokenizer folder (the config requires one when sampleEvery > 0). */
export function createSampler(c: RunConfig): Sampler {
  if (c.tokenizer === null) throw new Error("samples during training need the run's tokenizer (--tokenizer DIR)");
  const tokenizer = Tokenizer.fromDirectory(c.tokenizer);
  return {
    async sample(params, seed) {
      const model = await createInferenceModel(c.model, params, {
        device: c.device,
        ...(c.threads ? { threads: c.threads } : {}),
      });
      try {
        const request = {
          prompt: c.samplePrompt,
          maxTokens: c.sampleTokens,
          temperature: c.sampleTemperature,
          topP: c.sampleTopP,
          seed,
        };
        const r = await generateWith(model, tokenizer, request, () => {});
        return { text: r.text, stoppedAt: r.stoppedAt };
      } finally {
        await model.release();
      }
    },
    dispose: () => tokenizer.dispose(),
  };
}
