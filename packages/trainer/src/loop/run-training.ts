// Setting up a training run: resolve the config (preset, then flags; a checkpoint's config when resuming
// without a preset), find and validate the checkpoint to resume, refuse a different architecture, open and
// check the token arrays (ids within the vocabulary, long enough for a window) and the tokenizer (vocabulary
// size, and on resume its hash), lock and prepare the run folder (clearing temp files of killed runs), then
// hand everything to trainLoop. Every failure here happens before any training time is spent.
// Leaves out: the engine itself (passed in as a factory).
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { type Checkpoint, loadCheckpoint } from "../run/checkpoint.ts";
import {
  architectureDiff,
  ConfigError,
  parsePreset,
  type RunConfig,
  type RunConfigInput,
  resolveRunConfig,
  stepLimit,
  TRAINING_DEFAULTS,
  type TrainingConfig,
} from "../run/config.ts";
import { checkBatchable } from "../data/batch.ts";
import { openNpy, type TokenArray } from "../data/npy.ts";
import { scanTokenArray } from "../data/validate.ts";
import { type LoopResult, trainLoop } from "./train-loop.ts";
import type { EngineFactory, TrainEngine } from "./engine.ts";
import { type Interrupt, installInterrupt } from "./interrupt.ts";
import { removeStaleTempFiles } from "../io/atomic-file.ts";
import { type MetricsLog, openMetrics, readMetrics } from "../run/metrics.ts";
import { openSamples, readSamples, type SamplesLog } from "../run/samples.ts";
import { createProgress } from "./progress.ts";
import { createSampler, type Sampler } from "./sampler.ts";
import {
  dropCheckpointsAfter,
  dropEarlierRunFiles,
  latestCheckpoint,
  listCheckpoints,
  prepareRunDir,
  type RunInfo,
  readRunInfo,
  runPaths,
} from "../run/run-dir.ts";
import { checkRunFolderFree, lockRunFolder } from "../run/run-lock.ts";
import {
  checkVocabSize,
  OVERRIDE_FLAG,
  TokenizerMismatchError,
  tokenizerHash,
  tokenizerVocabSize,
} from "../run/tokenizer-match.ts";

export type RunPlan = { config: RunConfig; resume: Checkpoint | null; resumePath: string | null; notes: string[] };

/** Reads a preset file (a partial RunConfig as JSON). */
export function readPreset(path: string): RunConfigInput {
  if (!existsSync(path)) {
    throw new ConfigError(
      `config file ${path} not found; presets live in configs/ (e.g. configs/tinystories-cpu.json)`,
    );
  }
  return parsePreset(readFileSync(path, "utf8"), path);
}

/**
 * Resolves the config and the checkpoint to resume. `resume` is a checkpoint path, a run folder (its newest
 * checkpoint), "auto" (the newest
 * checkpoint in the run folder, or a fresh start when there is none) or null (fresh; refused when the run
 * folder already holds checkpoints, so a run is never overwritten by accident).
 */
export function planRun(args: { preset: string | null; overrides: RunConfigInput; resume: string | null }): RunPlan {
  const notes: string[] = [];
  const presetLayer = args.preset ? readPreset(args.preset) : null;
  const out = args.overrides.out ?? presetLayer?.out ?? TRAINING_DEFAULTS.out;
  let resumePath: string | null = null;
  if (args.resume === "auto") {
    resumePath = latestCheckpoint(out);
    if (!resumePath) notes.push(`--resume auto: no checkpoint in ${runPaths(out).checkpoints}, starting fresh`);
  } else if (args.resume !== null && existsSync(args.resume) && statSync(args.resume).isDirectory()) {
    // A run folder: its newest checkpoint.
    resumePath = latestCheckpoint(args.resume);
    if (!resumePath)
      throw new ConfigError(`--resume ${args.resume}: no checkpoints in ${runPaths(args.resume).checkpoints}`);
  } else if (args.resume !== null) {
    resumePath = args.resume;
  }
  const resume = resumePath ? loadCheckpoint(resumePath) : null;
  if (!presetLayer && !resume) {
    throw new ConfigError("pass --config configs/NAME.json (a preset), or --resume CHECKPOINT to continue a run");
  }
  const base: RunConfigInput = presetLayer ?? resume?.config ?? { model: resume?.model };
  let config = resolveRunConfig(base, args.overrides);
  const recordedTokenizer = resume?.config?.tokenizer ?? null;
  if (resume && config.tokenizer === null && recordedTokenizer !== null) {
    // A resume that names no tokenizer keeps the run's own: without it the new checkpoints would record none,
    // and `eval` would lose bits per byte. A different one is still refused by runTraining's hash check.
    config = { ...config, tokenizer: recordedTokenizer };
    notes.push(`tokenizer ${recordedTokenizer} taken from ${resumePath}`);
  }
  // A folder another run is training in: say so, rather than that it holds checkpoints.
  checkRunFolderFree(config.out);
  if (resume) {
    const diff = architectureDiff(resume.model, config.model);
    if (diff.length > 0) {
      throw new ConfigError(
        `cannot resume ${resumePath}: its architecture differs from the config (checkpoint -> config): ` +
          `${diff.join("; ")}. Use the checkpoint's values (drop --config to take its config) or start a new run ` +
          "with another --out",
      );
    }
    if (resume.iteration > config.maxSteps) {
      throw new ConfigError(`cannot resume at step ${resume.iteration}: --max-steps is ${config.maxSteps}; raise it`);
    }
    if (resume.config) {
      const changed = (Object.keys(TRAINING_DEFAULTS) as (keyof TrainingConfig)[]).filter(
        // A field the checkpoint's config predates had its default then.
        (k) => JSON.stringify(resume.config?.[k] ?? TRAINING_DEFAULTS[k]) !== JSON.stringify(config[k]),
      );
      if (changed.length > 0) notes.push(`resuming with changed settings: ${changed.join(", ")}`);
    }
    notes.push(`resuming from ${resumePath} at step ${resume.iteration}`);
  } else if (listCheckpoints(config.out).length > 0) {
    throw new ConfigError(
      `${config.out} already holds checkpoints of an earlier run; continue it with --resume auto, ` +
        "or choose another --out",
    );
  }
  return { config, resume, resumePath, notes };
}

/**
 * Refuses batches too large to allocate before anything is compiled or written: a graph run's K·A·B·T ids
 * fill one Int32Array for inputs and one for targets, and past 2^31 ids the allocation fails with a bare
 * "Out of memory" (or ORT cannot index the tensor).
 */
function checkGraphRunSize(c: RunConfig): void {
  const ids = c.stepsPerRun * c.gradAccumSteps * c.batchSize * c.model.contextLength;
  if (ids > 2 ** 31 - 1) {
    throw new ConfigError(
      `one graph run would hold ${ids.toExponential(2)} token ids in each of its input and target arrays ` +
        `(--steps-per-run ${c.stepsPerRun} × --grad-accum-steps ${c.gradAccumSteps} × --batch-size ${c.batchSize} × ` +
        `--context-length ${c.model.contextLength}), more than 2^31 - 1; lower --batch-size or --steps-per-run`,
    );
  }
}

/** Opens a token array and checks it against the model before training (ids in range, long enough). */
function openTokens(path: string, config: RunConfig, flag: string): TokenArray {
  if (!existsSync(path)) {
    throw new ConfigError(
      `${flag} file ${path} not found; make it with \`bun run cli encode\` or pass ${flag} FILE.npy`,
    );
  }
  const { data } = openNpy(path);
  scanTokenArray(data, config.model.vocabSize, path);
  checkBatchable(data.length, config.model.contextLength, path);
  return data;
}

export type RunOutcome = LoopResult & { info: RunInfo };

export type RunOptions = {
  engineFactory: EngineFactory;
  argv: string[];
  stderr: { write(s: string): void; isTTY: boolean };
  interrupt?: Interrupt;
  /** Train with a tokenizer whose vocabulary size or hash does not match (a warning instead of an error). */
  allowTokenizerMismatch?: boolean;
};

/**
 * Runs a planned training run to completion, interruption or divergence. The run folder is locked first;
 * anything that fails before the folder is prepared leaves it as it was (a folder this call created goes).
 */
export async function runTraining(plan: RunPlan, o: RunOptions): Promise<RunOutcome> {
  const { config } = plan;
  const progress = createProgress({
    totalSteps: stepLimit(config),
    startStep: plan.resume?.iteration ?? 0,
    logEvery: config.logEvery,
    isTTY: o.stderr.isTTY,
    write: (s) => o.stderr.write(s),
  });
  const note = (m: string) => progress.note(m);
  checkGraphRunSize(config);
  const lock = lockRunFolder(config.out, note);
  const interrupt = o.interrupt ?? installInterrupt(note);
  let engine: TrainEngine | undefined;
  let metrics: MetricsLog | undefined;
  let sampler: Sampler | null = null;
  let samples: SamplesLog | null = null;
  let info: RunInfo | undefined;
  try {
    removeKilledRunTemps(config.out, note);
    const train = openTokens(config.train, config, "--train");
    const val = config.val ? openTokens(config.val, config, "--val") : null;
    // The logs a resume cuts back are read before the folder changes: a bad line fails it with nothing deleted.
    if (plan.resume) {
      readMetrics(runPaths(config.out).metrics);
      readSamples(runPaths(config.out).samples);
    }
    const previous = plan.resume ? readRunInfo(config.out) : null;
    const tokenizerSha256 = checkRunTokenizer(plan, previous, o.allowTokenizerMismatch === true, note);
    if (config.sampleEvery > 0) sampler = createSampler(config);
    // The engine compiles before the folder is prepared, so a missing CUDA provider (or a graph error)
    // leaves no run folder behind.
    engine = await o.engineFactory(config);
    info = prepareRunDir(
      config,
      o.argv,
      tokenizerSha256,
      plan.resume ? { fromStep: plan.resume.iteration, previous } : null,
    );
    const dropped = plan.resume ? dropCheckpointsAfter(config.out, plan.resume.iteration) : [];
    const leftovers = plan.resume ? [] : dropEarlierRunFiles(config.out);
    if (leftovers.length > 0) {
      note(`deleted ${leftovers.join(", ")}, left by an earlier run in this folder (a fresh run starts its own)`);
    }
    if (dropped.length > 0) {
      note(
        `resuming at step ${plan.resume?.iteration} abandons the later checkpoints of this folder; deleted ` +
          `${dropped.map((p) => basename(p)).join(", ")} (resume into another --out to keep a run's later checkpoints)`,
      );
    }
    metrics = openMetrics(runPaths(config.out).metrics, plan.resume?.iteration ?? null);
    if (sampler) samples = openSamples(runPaths(config.out).samples, plan.resume?.iteration ?? null);
    const result = await trainLoop({
      config,
      engine,
      train,
      val,
      resume: plan.resume,
      resumePath: plan.resumePath,
      metrics,
      progress,
      interrupt,
      tokenizerSha256,
      sampler,
      samples,
    });
    return { ...result, info };
  } catch (e) {
    if (info === undefined) lock.abandon();
    throw e;
  } finally {
    progress.done();
    metrics?.close?.();
    samples?.close();
    sampler?.dispose();
    interrupt.dispose();
    await engine?.dispose?.();
    lock.release();
  }
}

/** Temporary files of writers killed with -9 (each as large as the checkpoint it was writing). */
function removeKilledRunTemps(out: string, note: (m: string) => void): void {
  for (const dir of [out, runPaths(out).checkpoints]) {
    for (const t of removeStaleTempFiles(dir)) {
      note(`removed ${t.path} (${(t.bytes / 2 ** 20).toFixed(1)} MiB), a temporary file left by a killed process`);
    }
  }
}

/**
 * The run's tokenizer hash (null without --tokenizer), once its vocabulary size matches the model's and, on
 * resume, its hash matches the one the run started with; either mismatch is refused unless allowed.
 */
function checkRunTokenizer(
  plan: RunPlan,
  previous: RunInfo | null,
  allow: boolean,
  note: (m: string) => void,
): string | null {
  const dir = plan.config.tokenizer;
  if (!dir) return null;
  const sha = tokenizerHash(dir);
  const size = tokenizerVocabSize(dir);
  const warning = checkVocabSize(dir, { tokenizer: size, model: plan.config.model.vocabSize }, allow, {
    model: "the model's vocab size (--vocab-size) is",
    fix: plan.resume ? "resume with the run's tokenizer" : `set --vocab-size ${size}`,
  });
  if (warning) note(warning);
  const started = plan.resume?.tokenizerSha256 ?? previous?.tokenizerSha256 ?? null;
  if (started && sha !== started) {
    const message =
      `the tokenizer in ${dir} differs from the one this run started with (sha256 ${started.slice(0, 12)}…, now ` +
      `${sha.slice(0, 12)}…)`;
    if (!allow) {
      throw new TokenizerMismatchError(
        `${message}; resume with the same tokenizer and data, or ${OVERRIDE_FLAG} to use this one anyway`,
      );
    }
    note(`warning: ${message}; going on because of ${OVERRIDE_FLAG}`);
  }
  return sha;
}
