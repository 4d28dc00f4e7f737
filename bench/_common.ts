// What several benchmark scripts share: reading `--name value` flags, the median of rounds, and the model
// shapes timed on their own (train-step) and against PyTorch (torch-train). bench/run.ts skips `_` files.
import { MODEL_DEFAULTS, type ModelConfig, resolveModelConfig } from "@cs336-ts/model";

/** The value after `--name` in `args`, or `fallback` when the flag or its value is missing. */
export function flagValue(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
}

/** The middle value, or the mean of the two middle values of an even count. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export type BenchModel = { config: ModelConfig; batch: number };

/** A CPU-sized model (4 layers, d 256) and CS336's TinyStories model, with their batch sizes. */
export const BENCH_MODELS = {
  cpu: {
    config: resolveModelConfig({
      vocabSize: 4096,
      contextLength: 128,
      dModel: 256,
      numLayers: 4,
      numHeads: 8,
      dFf: 688,
    }),
    batch: 16,
  },
  tinystories: { config: resolveModelConfig(MODEL_DEFAULTS), batch: 8 },
} satisfies Record<string, BenchModel>;
