// The training loop (CS336 assignment 1 §5.3): K optimizer steps per graph run with the cosine learning
// rates computed on the host, batches drawn from one seeded generator whose state goes into every
// checkpoint (so a resumed run continues bit for bit), validation loss over fixed batches on a schedule,
// periodic and final checkpoints, JSONL metrics, live progress and learning curves. A non-finite loss or
// state stops the run without writing it; an interrupt saves a checkpoint first. Leaves out: setup (loop-run.ts).
import {
  type CosineSchedule,
  initParameters,
  type ParamMap,
  Rng,
  scheduleSlice,
  type TrainState,
} from "@cs336-ts/model";
import { basename, resolve } from "node:path";
import { type Checkpoint, saveCheckpoint } from "../run/checkpoint.ts";
import { cosineCycle, type RunConfig, tokensPerStep } from "../run/config.ts";
import { getBatch, getBatches } from "../data/batch.ts";
import type { TokenArray } from "../data/npy.ts";
import type { TrainEngine } from "./engine.ts";
import type { Interrupt } from "./interrupt.ts";
import type { MetricsLog } from "../run/metrics.ts";
import { renderCurves } from "../run/plot.ts";
import type { Progress } from "./progress.ts";
import { writeFileAtomic } from "../io/atomic-file.ts";
import { bestValLoss, checkpointPath, pruneCheckpoints, runPaths } from "../run/run-dir.ts";

/** Independent generator streams derived from the run's seed (initialization, batches, validation). */
export function streamRng(seed: number, stream: 0 | 1 | 2): Rng {
  return Rng.seeded(seed + stream * 2 ** 32);
}

/** Whether every parameter and moment is a finite number. */
export function isFiniteState(s: TrainState): boolean {
  for (const map of [s.params, s.m, s.v]) {
    for (const t of Object.values(map)) {
      for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) return false;
    }
  }
  return true;
}

/** AdamW's moments start at zero, shaped like the parameters. */
function zerosLike(params: ParamMap): ParamMap {
  return Object.fromEntries(
    Object.entries(params).map(([k, t]) => [k, { data: new Float32Array(t.data.length), shape: [...t.shape] }]),
  );
}

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
  /** Seconds on a monotonic clock (tests pass a fake one). */
  now?: () => number;
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
};

/** The cosine schedule of a run config (CS336 names). */
export function scheduleOf(c: RunConfig): CosineSchedule {
  return {
    maxLearningRate: c.lrMax,
    minLearningRate: c.lrMin,
    warmupIters: c.warmupSteps,
    cosineCycleIters: cosineCycle(c),
  };
}

const nextMultiple = (step: number, every: number) =>
  every > 0 ? (Math.floor(step / every) + 1) * every : Number.POSITIVE_INFINITY;

/** Where the graph run starting at `step` ends: K-aligned, never crossing an eval/checkpoint/end boundary. */
export function chunkEnd(c: RunConfig, step: number): number {
  return Math.min(
    c.maxSteps,
    nextMultiple(step, c.stepsPerRun),
    nextMultiple(step, c.evalEvery),
    nextMultiple(step, c.checkpointEvery),
  );
}

export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const c = o.config;
  const now = o.now ?? (() => performance.now() / 1000);
  const out = c.out;
  const T = c.model.contextLength;
  const perStep = tokensPerStep(c);
  const schedule = scheduleOf(c);

  let state: TrainState;
  let step: number;
  let rng: Rng;
  if (o.resume) {
    state = o.resume.state;
    step = o.resume.iteration;
    rng = o.resume.rng ? Rng.fromState(o.resume.rng) : streamRng(c.seed, 1);
  } else {
    const params = initParameters(c.model, streamRng(c.seed, 0));
    state = { params, m: zerosLike(params), v: zerosLike(params), step: 0 };
    step = 0;
    rng = streamRng(c.seed, 1);
  }
  // Fixed validation batches: the same ones at every evaluation and across resumes.
  const valRng = streamRng(c.seed, 2);
  const valBatches = o.val
    ? Array.from({ length: c.evalBatches }, () => getBatch(o.val as TokenArray, c.batchSize, T, valRng))
    : [];

  const t0 = now();
  const elapsedBefore = o.resume?.elapsedSeconds ?? 0;
  const elapsed = () => elapsedBefore + (now() - t0);
  let lastCheckpoint: string | null = o.resumePath ?? null;
  let lastSavedStep = o.resume ? o.resume.iteration : -1;
  let best = bestValLoss(out);
  let lastVal: number | null = o.resume?.valLoss ?? null;

  const snapshot = (valLoss: number | null): Checkpoint => ({
    model: c.model,
    state,
    iteration: step,
    rng: rng.state(),
    config: c,
    elapsedSeconds: elapsed(),
    valLoss,
  });
  const save = (valLoss: number | null) => {
    const path = checkpointPath(out, step);
    saveCheckpoint(path, snapshot(valLoss));
    pruneCheckpoints(out, c.keepLast);
    lastCheckpoint = path;
    lastSavedStep = step;
  };
  const writeCurves = () => {
    const train = o.metrics.records.flatMap((r) =>
      r.kind === "train" ? [{ step: r.step, time: r.time, loss: r.loss }] : [],
    );
    const val = o.metrics.records.flatMap((r) =>
      r.kind === "val" ? [{ step: r.step, time: r.time, loss: r.valLoss }] : [],
    );
    writeFileAtomic(
      runPaths(out).curves,
      new TextEncoder().encode(renderCurves([{ name: basename(resolve(out)), train, val }])),
    );
  };
  const evaluate = async (): Promise<number> => {
    let sum = 0;
    for (const b of valBatches) sum += await o.engine.evalLoss(state.params, b.x, b.y);
    const loss = sum / valBatches.length;
    o.metrics.append({ kind: "val", step, tokens: step * perStep, time: elapsed(), valLoss: loss });
    lastVal = loss;
    return loss;
  };

  if (!o.resume && valBatches.length > 0) {
    const v = await evaluate();
    o.progress.note(`step 0: val loss ${v.toFixed(4)}`);
  }

  while (step < c.maxSteps) {
    const end = chunkEnd(c, step);
    const k = end - step;
    const lrs = scheduleSlice(schedule, step, k);
    const { x, y } = getBatches(o.train, k, c.batchSize, T, rng);
    const tChunk = now();
    const startElapsed = elapsed();
    const res = await o.engine.step(state, lrs, x, y);
    const took = Math.max(now() - tChunk, 1e-9);
    const tps = (k * perStep) / took;

    const bad = res.losses.findIndex((l, i) => !Number.isFinite(l) || !Number.isFinite(res.gradNorms[i]!));
    for (let i = 0; i < (bad < 0 ? k : bad + 1); i++) {
      o.metrics.append({
        kind: "train",
        step: step + i + 1,
        tokens: (step + i + 1) * perStep,
        // The K steps of one graph run finish together; spread their times evenly over the run.
        time: startElapsed + (took * (i + 1)) / k,
        loss: res.losses[i]!,
        lr: lrs[i]!,
        gradNorm: res.gradNorms[i]!,
        tokensPerSec: tps,
      });
    }
    if (bad >= 0) {
      const kept = lastCheckpoint;
      const what = Number.isFinite(res.losses[bad]!)
        ? `gradient norm ${res.gradNorms[bad]}`
        : `loss ${res.losses[bad]}`;
      o.progress.note("");
      return {
        status: "diverged",
        step: Math.max(lastSavedStep, 0),
        checkpoint: kept,
        valLoss: lastVal,
        message:
          `training diverged: ${what} at step ${step + bad + 1} (lr ${lrs[bad]!.toExponential(2)}); ` +
          `lower the learning rate (--lr-max, now ${c.lrMax}) or raise --warmup-steps, and check the data. ` +
          (kept ? `The last good checkpoint is ${kept} (resume with --resume ${kept}).` : "No checkpoint was written."),
      };
    }

    state = res.state;
    step = end;
    o.progress.update({ step, loss: res.losses[k - 1]!, lr: lrs[k - 1]!, tokensPerSec: tps });
    // A step's loss is measured before its update, so an update that overflowed shows only in the state:
    // checked before anything is saved (a scan per checkpoint, small next to writing it).
    let stateOk: boolean | null = null;
    const brokenState = () => {
      stateOk ??= isFiniteState(state);
      if (stateOk) return null;
      o.progress.note("");
      return {
        status: "diverged" as const,
        step: Math.max(lastSavedStep, 0),
        checkpoint: lastCheckpoint,
        valLoss: lastVal,
        message:
          `training diverged: the parameters or AdamW moments hold NaN or infinity after step ${step} ` +
          `(lr ${lrs[k - 1]!.toExponential(2)}); lower the learning rate (--lr-max, now ${c.lrMax}). ` +
          (lastCheckpoint
            ? `The last good checkpoint is ${lastCheckpoint} (resume with --resume ${lastCheckpoint}).`
            : "No checkpoint was written."),
      };
    };

    let valLoss: number | null = null;
    const final = step === c.maxSteps;
    if (valBatches.length > 0 && ((c.evalEvery > 0 && step % c.evalEvery === 0) || final)) {
      valLoss = await evaluate();
      o.progress.note(`step ${step}: val loss ${valLoss.toFixed(4)}`);
      if (!Number.isFinite(valLoss)) {
        return {
          status: "diverged",
          step: Math.max(lastSavedStep, 0),
          checkpoint: lastCheckpoint,
          valLoss,
          message: `training diverged: validation loss ${valLoss} at step ${step}; lower the learning rate (--lr-max)`,
        };
      }
      if (valLoss < best) {
        const broken = brokenState();
        if (broken) return broken;
        best = valLoss;
        saveCheckpoint(runPaths(out).best, snapshot(valLoss));
      }
      writeCurves();
    }
    const stopping = o.interrupt.requested() && !final;
    const due = (c.checkpointEvery > 0 && step % c.checkpointEvery === 0) || final;
    if (due || stopping) {
      const broken = brokenState();
      if (broken) return broken;
    }
    if (due) save(valLoss);
    if (stopping) {
      if (lastSavedStep !== step) save(valLoss);
      writeCurves();
      return {
        status: "interrupted",
        step,
        checkpoint: lastCheckpoint,
        valLoss: lastVal,
        message: `interrupted at step ${step}; saved ${lastCheckpoint} (continue with --resume auto)`,
      };
    }
  }
  writeCurves();
  return {
    status: "completed",
    step,
    checkpoint: lastCheckpoint,
    valLoss: lastVal,
    message: `done: ${step} steps, ${(step * perStep).toLocaleString("en-US")} tokens in ${elapsed().toFixed(1)} s`,
  };
}
