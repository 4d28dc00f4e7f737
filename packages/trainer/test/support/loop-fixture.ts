// Shared setup for the loop tests: a Markov token stream, a temp folder with train/val arrays and a tiny
// preset, and a runner over planRun + runTraining with the host toy engine (optionally interrupting after
// some steps, injecting a NaN loss or infinite parameters).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@cs336-ts/model";
import type { RunConfigInput } from "../../src/run/config.ts";
import { writeNpy } from "../../src/data/npy.ts";
import { manualInterrupt } from "../../src/loop/interrupt.ts";
import { planRun, runTraining } from "../../src/loop/run-training.ts";
import { toyEngine } from "./toy-engine.ts";

export const V = 24;

/** A Markov token stream (mostly next = 3·prev+1 mod V) so the toy model has something to learn. */
export function markovTokens(n: number, seed: number): Uint16Array {
  const rng = Rng.seeded(seed);
  const out = new Uint16Array(n);
  for (let i = 1; i < n; i++) out[i] = rng.nextFloat() < 0.8 ? (out[i - 1]! * 3 + 1) % V : rng.nextInt(V);
  return out;
}

/** A temp folder with train/val arrays and a preset for a tiny model. */
export function fixture(extra: RunConfigInput = {}) {
  const d = mkdtempSync(join(tmpdir(), "loop-"));
  writeNpy(join(d, "train.npy"), markovTokens(4000, 1));
  writeNpy(join(d, "val.npy"), markovTokens(1000, 2));
  const preset: RunConfigInput = {
    model: { vocabSize: V, contextLength: 8, dModel: 16, numLayers: 1, numHeads: 2, dFf: 16 },
    train: join(d, "train.npy"),
    val: join(d, "val.npy"),
    out: join(d, "run"),
    batchSize: 4,
    maxSteps: 20,
    lrMax: 0.05,
    lrMin: 0.005,
    warmupSteps: 2,
    stepsPerRun: 4,
    evalEvery: 5,
    evalBatches: 2,
    checkpointEvery: 10,
    keepLast: 5,
    seed: 7,
    ...extra,
  };
  writeFileSync(join(d, "preset.json"), JSON.stringify(preset));
  return { dir: d, preset: join(d, "preset.json"), out: join(d, "run") };
}

const quiet = { write() {}, isTTY: false };

export async function run(
  preset: string | null,
  overrides: RunConfigInput,
  resume: string | null,
  opts: { stopAfter?: number; nanAtStep?: number; infParamsAtStep?: number; nanValFromStep?: number } = {},
) {
  const plan = planRun({ preset, overrides, resume });
  let steps = 0;
  return runTraining(plan, {
    engineFactory: async (c) => {
      const engine = toyEngine(c, {
        nanAtStep: opts.nanAtStep,
        infParamsAtStep: opts.infParamsAtStep,
        nanValFromStep: opts.nanValFromStep,
      });
      const step = engine.step;
      engine.step = async (s, lrs, x, y) => {
        const r = await step(s, lrs, x, y);
        steps += lrs.length;
        return r;
      };
      return engine;
    },
    argv: [],
    stderr: quiet,
    interrupt: manualInterrupt(() => opts.stopAfter !== undefined && steps >= opts.stopAfter),
  });
}
