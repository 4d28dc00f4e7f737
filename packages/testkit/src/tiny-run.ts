// The smallest training run the CLI accepts, for tests that spawn `train` and need it to finish in a second or
// two: a one-layer, 16-wide model on batches of 2. Tests add the data, output and whatever they check.
// Leaves out: the data (each test writes the token arrays its case needs).

/** The tiny model's shape beside the vocabulary size (a test picks that to suit its data or tokenizer). */
export const TINY_MODEL = { contextLength: 8, dModel: 16, numLayers: 1, numHeads: 2, dFf: 32 } as const;

const kebab = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** `train` flags for TINY_MODEL over `vocabSize` ids, batch 2, `maxSteps` steps after 1 warmup step. */
export function tinyRunFlags(o: { vocabSize: number; maxSteps: number }): string[] {
  const fields = { vocabSize: o.vocabSize, ...TINY_MODEL, batchSize: 2, maxSteps: o.maxSteps, warmupSteps: 1 };
  return Object.entries(fields).flatMap(([k, v]) => [kebab(k), String(v)]);
}
