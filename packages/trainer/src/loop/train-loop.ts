// The training loop (CS336 assignment 1 §5.3), read top to bottom in nanoGPT's train.py order: learning
// rates → K optimizer steps in one graph run → log → evaluate and keep the best → checkpoint → stop. Batches
// come from one seeded generator whose state goes into every checkpoint (a resumed run continues bit for
// bit); validation uses fixed batches. A non-finite loss, state or validation loss stops the run without
// saving it; an interrupt saves first. Every way out is built by finish(), and a file that cannot be written
// (a full disk) by writeFailure(), which points at the checkpoint left intact. The run ends at the step its
// budget (budget.ts: steps, tokens or wall-clock seconds) sets; each graph run's model FLOPs (the accounting's
// trainStepFlops) give its TFLOP/s and MFU, and samples are taken every sampleEvery steps. Leaves out: setup
// (run-training.ts).
import { basename, resolve } from "node:path";
import { initParameters, initTrainState, Rng, type TrainState, trainStepFlops } from "@cs336-ts/model";
import { type Batch, getBatch, getBatches } from "../data/batch.ts";
import type { TokenArray } from "../data/npy.ts";
import { AtomicWriteError, writeFileAtomic } from "../io/atomic-file.ts";
import { type Checkpoint, saveCheckpoint } from "../run/checkpoint.ts";
import { type RunConfig, stepLimit, tokensPerStep } from "../run/config.ts";
import type { MetricsLog } from "../run/metrics.ts";
import type { SamplesLog } from "../run/samples.ts";
import { renderCurves } from "../run/plot.ts";
import { bestValLoss, checkpointPath, latestCheckpoint, pruneCheckpoints, runPaths } from "../run/run-dir.ts";
import { type Budget, createBudget, type StopCause } from "./budget.ts";
import type { StepOutput, TrainEngine } from "./engine.ts";
import type { Interrupt, StopReason } from "./interrupt.ts";
import type { Progress } from "./progress.ts";
import type { Sampler } from "./sampler.ts";

export type LoopOptions = {
  config: RunConfig;
  engine: TrainEngine;
  train: TokenArray;
  val: TokenArray | null;
  resume: Checkpoint | null;
  /** Where `resume` was read from: the run's last good checkpoint until this session writes one. */
  resumePath?: string | null;
  metrics: MetricsLog;
  progress: Progress;
  interrupt: Interrupt;
  /** The run's tokenizer sha256, recorded in every checkpoint (generate and eval check it). */
  tokenizerSha256?: string | null;
  /** Samples a continuation every sampleEvery steps (run-training builds it when sampleEvery > 0). */
  sampler?: Sampler | null;
  /** Where those samples are written (samples.jsonl). */
  samples?: SamplesLog | null;
  /** Seconds on a monotonic clock (tests pass a fake one). */
  now?: () => number;
};

/** The closing figures of a run (this session's rates; tokens and seconds continue across resumes). */
export type RunSummary = {
  steps: number;
  tokens: number;
  seconds: number;
  /** Lowest validation loss of the run so far (its best checkpoint's), null without validation. */
  bestValLoss: number | null;
  /** Model FLOPs per second of this session's graph runs (accounting's trainStepFlops), null if none ran. */
  tflops: number | null;
  /** tflops over peakTflops, when the config names a peak. */
  mfu: number | null;
  /** What set the last step: maxSteps, maxTokens or the maxSeconds budget. */
  endedBy: StopCause;
};

export type LoopResult = {
  status: "completed" | "interrupted" | "diverged";
  /** Optimizer steps completed and saved (for "diverged": those of the last good checkpoint). */
  step: number;
  /** The checkpoint to resume from (the last one written or kept), or null if none exists. */
  checkpoint: string | null;
  /** The last validation loss measured, if any. */
  valLoss: number | null;
  message: string;
  /** For "interrupted": what asked the run to stop (null: a stand-in interrupt, read as Ctrl-C). */
  stoppedBy?: StopReason | null;
  summary: RunSummary;
};

/** A file of the run could not be written (a full disk); the message names it and the checkpoint to resume. */
export class RunWriteError extends Error {
  override name = "RunWriteError";
}

/** Independent generator streams derived from the run's seed (initialization, batches, validation). */
export function streamRng(seed: number, stream: 0 | 1 | 2): Rng {
  return Rng.seeded(seed + stream * 2 ** 32);
}

const nextMultiple = (step: number, every: number) =>
  every > 0 ? (Math.floor(step / every) + 1) * every : Number.POSITIVE_INFINITY;

/** Where the graph run starting at `step` ends: K-aligned, never crossing an eval/sample/checkpoint/end boundary. */
export function chunkEnd(c: RunConfig, step: number, end = stepLimit(c)): number {
  return Math.min(
    end,
    nextMultiple(step, c.stepsPerRun),
    nextMultiple(step, c.evalEvery),
    nextMultiple(step, c.checkpointEvery),
    nextMultiple(step, c.sampleEvery),
  );
}

const T = (c: RunConfig) => c.model.contextLength;

/** Whether an every-N schedule (0: only at the end) falls on `step`. */
const due = (every: number, step: number, final: boolean) => (every > 0 && step % every === 0) || final;

/** What the loop carries from one graph run to the next: everything a checkpoint or an exit needs. */
type Run = {
  o: LoopOptions;
  c: RunConfig;
  state: TrainState;
  step: number;
  rng: Rng;
  /** Fixed validation batches: the same ones at every evaluation and across resumes. */
  valBatches: Batch[];
  now: () => number;
  /** Seconds of training so far, continued across resumes. */
  elapsed: () => number;
  lastCheckpoint: string | null;
  lastSavedStep: number;
  best: number;
  lastVal: number | null;
  budget: Budget;
  /** Model FLOPs of one optimizer step (forward and backward of batchSize × gradAccumSteps sequences). */
  stepFlops: number;
  /** This session's graph runs: steps and seconds, for the closing TFLOP/s. */
  ran: { steps: number; seconds: number };
  /** Seconds the last validation, sample and checkpoint took: the reserve a time budget keeps for the end. */
  costs: { eval: number; sample: number; save: number };
  /** Metric records curves.svg was last drawn from: a final evaluation and the exit share one write. */
  curvesDrawn: number;
};

function startRun(o: LoopOptions): Run {
  const c = o.config;
  const now = o.now ?? (() => performance.now() / 1000);
  const valRng = streamRng(c.seed, 2);
  const val = o.val;
  const t0 = now();
  const before = o.resume?.elapsedSeconds ?? 0;
  const run = {
    o,
    c,
    valBatches: val ? Array.from({ length: c.evalBatches }, () => getBatch(val, c.batchSize, T(c), valRng)) : [],
    now,
    elapsed: () => before + (now() - t0),
    lastCheckpoint: o.resumePath ?? null,
    best: o.resume ? bestValLoss(c.out) : Number.POSITIVE_INFINITY,
    budget: createBudget(c, o.resume?.iteration ?? 0, before),
    stepFlops: trainStepFlops(c.model, T(c), c.batchSize * c.gradAccumSteps).total,
    ran: { steps: 0, seconds: 0 },
    costs: { eval: 0, sample: 0, save: 0 },
    curvesDrawn: -1,
  };
  if (o.resume) {
    const r = o.resume;
    const rng = r.rng ? Rng.fromState(r.rng) : streamRng(c.seed, 1);
    return { ...run, state: r.state, step: r.iteration, rng, lastSavedStep: r.iteration, lastVal: r.valLoss };
  }
  const params = initParameters(c.model, streamRng(c.seed, 0));
  const state = initTrainState(params);
  return { ...run, state, step: 0, rng: streamRng(c.seed, 1), lastSavedStep: -1, lastVal: null };
}

type Ran = StepOutput & { startElapsed: number; took: number; tokensPerSec: number; mfu: number | undefined };

/** K optimizer steps on K fresh batches in one graph run. */
async function runSteps(run: Run, lrs: Float32Array): Promise<Ran> {
  const { c, o } = run;
  const k = lrs.length;
  const { x, y } = getBatches(o.train, k * c.gradAccumSteps, c.batchSize, T(c), run.rng); // [K, A, B, T]
  const started = run.now();
  const startElapsed = run.elapsed();
  const out = await o.engine.step(run.state, lrs, x, y);
  const took = Math.max(run.now() - started, 1e-9);
  run.ran.steps += k;
  run.ran.seconds += took;
  const mfu = c.peakTflops === null ? undefined : (k * run.stepFlops) / took / (c.peakTflops * 1e12);
  return { ...out, startElapsed, took, tokensPerSec: (k * tokensPerStep(c)) / took, mfu };
}

/** One metrics line per step, up to and including the first non-finite one; returns its index or -1. */
function logSteps(run: Run, ran: Ran, lrs: Float32Array): number {
  const k = lrs.length;
  const bad = ran.losses.findIndex((l, i) => !Number.isFinite(l) || !Number.isFinite(ran.gradNorms[i]!));
  for (let i = 0; i < (bad < 0 ? k : bad + 1); i++) {
    const step = run.step + i + 1;
    run.o.metrics.append({
      kind: "train",
      step,
      tokens: step * tokensPerStep(run.c),
      // The K steps of one graph run finish together; spread their times evenly over the run.
      time: ran.startElapsed + (ran.took * (i + 1)) / k,
      loss: ran.losses[i]!,
      lr: lrs[i]!,
      gradNorm: ran.gradNorms[i]!,
      tokensPerSec: ran.tokensPerSec,
      ...(ran.mfu !== undefined ? { mfu: ran.mfu } : {}),
    });
  }
  return bad;
}

/** Takes the new state and shows it on the progress line. */
function advance(run: Run, ran: Ran, lrs: Float32Array): void {
  const k = lrs.length;
  run.state = ran.state;
  run.step += k;
  run.o.progress.update({
    step: run.step,
    loss: ran.losses[k - 1]!,
    lr: lrs[k - 1]!,
    tokensPerSec: ran.tokensPerSec,
    total: run.budget.end(),
    ...(ran.mfu !== undefined ? { mfu: ran.mfu } : {}),
  });
}

/** Mean loss over the fixed validation batches, logged and noted. */
async function evaluate(run: Run): Promise<number> {
  const t0 = run.now();
  let sum = 0;
  for (const b of run.valBatches) sum += await run.o.engine.evalLoss(run.state.params, b.x, b.y);
  const loss = sum / run.valBatches.length;
  const { step } = run;
  run.o.metrics.append({ kind: "val", step, tokens: step * tokensPerStep(run.c), time: run.elapsed(), valLoss: loss });
  run.o.progress.note(`step ${step}: val loss ${loss.toFixed(4)}`);
  run.lastVal = loss;
  run.costs.eval = run.now() - t0;
  return loss;
}

/** One continuation from the current parameters (seeded by the run's seed and the step), logged and shown. */
async function takeSample(run: Run, sampler: Sampler): Promise<void> {
  const { c, step } = run;
  const t0 = run.now();
  const seed = c.seed + step;
  const s = await sampler.sample(run.state.params, seed);
  run.o.samples?.append({
    step,
    tokens: step * tokensPerStep(c),
    time: run.elapsed(),
    prompt: c.samplePrompt,
    text: s.text,
    temperature: c.sampleTemperature,
    topP: c.sampleTopP,
    seed,
    stoppedAt: s.stoppedAt,
  });
  run.o.progress.note(`step ${step}: sample ${JSON.stringify(c.samplePrompt + s.text)}`);
  run.costs.sample = run.now() - t0;
}

/** Whether every parameter and moment is a finite number. */
function isFiniteState(s: TrainState): boolean {
  for (const map of [s.params, s.m, s.v]) {
    for (const t of Object.values(map)) {
      for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) return false;
    }
  }
  return true;
}

function snapshot(run: Run, valLoss: number | null): Checkpoint {
  const { c } = run;
  return {
    model: c.model,
    state: run.state,
    iteration: run.step,
    rng: run.rng.state(),
    config: c,
    elapsedSeconds: run.elapsed(),
    valLoss,
    ...(run.o.tokenizerSha256 ? { tokenizerSha256: run.o.tokenizerSha256 } : {}),
  };
}

/** A periodic checkpoint (the last keepLast are kept): the point a resume starts from. */
function save(run: Run, valLoss: number | null): void {
  const t0 = run.now();
  const path = checkpointPath(run.c.out, run.step);
  // The log on disk reaches the checkpoint: a resume cuts it back to this step, never short of it.
  run.o.metrics.sync?.();
  run.o.samples?.sync();
  saveCheckpoint(path, snapshot(run, valLoss));
  pruneCheckpoints(run.c.out, run.c.keepLast);
  run.lastCheckpoint = path;
  run.lastSavedStep = run.step;
  run.costs.save = run.now() - t0;
}

function keepBest(run: Run, valLoss: number): void {
  run.best = valLoss;
  saveCheckpoint(runPaths(run.c.out).best, snapshot(run, valLoss));
}

function writeCurves(run: Run): void {
  const { records } = run.o.metrics;
  if (run.curvesDrawn === records.length) return;
  run.curvesDrawn = records.length;
  const train = records.flatMap((r) => (r.kind === "train" ? [{ step: r.step, time: r.time, loss: r.loss }] : []));
  const val = records.flatMap((r) => (r.kind === "val" ? [{ step: r.step, time: r.time, loss: r.valLoss }] : []));
  const svg = renderCurves([{ name: basename(resolve(run.c.out)), train, val }]);
  writeFileAtomic(runPaths(run.c.out).curves, new TextEncoder().encode(svg));
}

/**
 * Every way out of the loop. A diverged run ends the progress line and points back at its last good
 * checkpoint (`cause` says what broke and how to fix it); the others write the learning curves first.
 */
function finish(run: Run, status: LoopResult["status"], cause = ""): LoopResult {
  const { lastCheckpoint: kept, lastVal: valLoss } = run;
  const summary = summarize(run);
  if (status === "diverged") {
    run.o.progress.note("");
    const pointer = kept
      ? `The last good checkpoint is ${kept} (resume with --resume ${kept}).`
      : "No checkpoint was written.";
    const message = `training diverged: ${cause} ${pointer}`;
    return { status, step: Math.max(run.lastSavedStep, 0), checkpoint: kept, valLoss, message, summary };
  }
  writeCurves(run);
  const { step } = run;
  const tokens = (step * tokensPerStep(run.c)).toLocaleString("en-US");
  const stoppedBy = run.o.interrupt.reason?.() ?? null;
  const by = stoppedBy === null || stoppedBy === "SIGINT" ? "" : ` (${stoppedBy})`;
  const budget = summary.endedBy === "time" ? ` (the ${run.c.maxSeconds} s budget ended it)` : "";
  const message =
    status === "interrupted"
      ? `interrupted${by} at step ${step}; saved ${kept} (continue with --resume auto)`
      : `done: ${step} steps, ${tokens} tokens in ${run.elapsed().toFixed(1)} s${budget}`;
  const interrupted = status === "interrupted" ? { stoppedBy } : {};
  return { status, step, checkpoint: kept, valLoss, message, ...interrupted, summary };
}

function summarize(run: Run): RunSummary {
  const tflops = run.ran.seconds > 0 ? (run.ran.steps * run.stepFlops) / run.ran.seconds / 1e12 : null;
  return {
    steps: run.step,
    tokens: run.step * tokensPerStep(run.c),
    seconds: run.elapsed(),
    bestValLoss: Number.isFinite(run.best) ? run.best : null,
    tflops,
    mfu: tflops !== null && run.c.peakTflops !== null ? tflops / run.c.peakTflops : null,
    endedBy: run.budget.cause(),
  };
}

const WHY: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EFBIG: "the file size limit is reached",
};

/** A run file that could not be written: what and why, and that the last checkpoint is whole. */
function writeFailure(run: Run, e: AtomicWriteError): RunWriteError {
  const why = e.code && WHY[e.code] ? ` (${WHY[e.code]})` : "";
  const kept = run.lastCheckpoint;
  const resume = kept && latestCheckpoint(run.c.out) === kept ? "--resume auto" : `--resume ${kept}`;
  const pointer = kept
    ? `Training stopped at step ${run.step}; the last checkpoint, ${kept} (step ${Math.max(run.lastSavedStep, 0)}), ` +
      `is intact: free some space and continue with ${resume}.`
    : `Training stopped at step ${run.step}, before its first checkpoint: free some space and start again.`;
  return new RunWriteError(`${e.message}${why}. ${pointer}`, { cause: e });
}

const lossCause = (run: Run, ran: Ran, lrs: Float32Array, bad: number) =>
  `${Number.isFinite(ran.losses[bad]!) ? `gradient norm ${ran.gradNorms[bad]}` : `loss ${ran.losses[bad]}`} ` +
  `at step ${run.step + bad + 1} (lr ${lrs[bad]!.toExponential(2)}); lower the learning rate ` +
  `(--lr-max, now ${run.c.lrMax}) or raise --warmup-steps, and check the data.`;

const stateCause = (run: Run, lrs: Float32Array) =>
  `the parameters or AdamW moments hold NaN or infinity after step ${run.step} ` +
  `(lr ${lrs.at(-1)!.toExponential(2)}); lower the learning rate (--lr-max, now ${run.c.lrMax}).`;

export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const run = startRun(o);
  try {
    return await loop(run);
  } catch (e) {
    throw e instanceof AtomicWriteError ? writeFailure(run, e) : e;
  }
}

async function loop(run: Run): Promise<LoopResult> {
  const { c, o } = run;
  if (!o.resume && run.valBatches.length > 0) await evaluate(run);
  const { budget } = run;
  while (run.step < budget.end()) {
    const lrs = budget.learningRates(run.step, chunkEnd(c, run.step, budget.end()) - run.step);
    const ran = await runSteps(run, lrs);
    const bad = logSteps(run, ran, lrs);
    if (bad >= 0) return finish(run, "diverged", lossCause(run, ran, lrs, bad));
    budget.reserve(run.costs.eval + run.costs.sample + run.costs.save);
    budget.observe(run.step + lrs.length, run.elapsed(), ran.took / lrs.length);
    advance(run, ran, lrs);
    const final = run.step >= budget.end();
    // A step's loss is measured before its update, so an update that overflowed shows only in the state:
    // scanned once per graph run, and only when something is about to be saved.
    let finite: boolean | undefined;
    const broken = () => {
      finite ??= isFiniteState(run.state);
      return !finite;
    };

    let valLoss: number | null = null;
    if (run.valBatches.length > 0 && due(c.evalEvery, run.step, final)) {
      valLoss = await evaluate(run);
      if (!Number.isFinite(valLoss)) {
        return finish(
          run,
          "diverged",
          `validation loss ${valLoss} at step ${run.step}; lower the learning rate (--lr-max).`,
        );
      }
      if (valLoss < run.best) {
        if (broken()) return finish(run, "diverged", stateCause(run, lrs));
        keepBest(run, valLoss);
      }
      writeCurves(run);
    }

    if (c.sampleEvery > 0 && o.sampler && due(c.sampleEvery, run.step, final)) {
      if (broken()) return finish(run, "diverged", stateCause(run, lrs));
      await takeSample(run, o.sampler);
    }

    const stopping = o.interrupt.requested() && !final;
    if (due(c.checkpointEvery, run.step, final) || stopping) {
      if (broken()) return finish(run, "diverged", stateCause(run, lrs));
      save(run, valLoss);
    }
    if (stopping) return finish(run, "interrupted");
  }
  return finish(run, "completed");
}
