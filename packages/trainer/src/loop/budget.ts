// Where a run ends and its learning rates: maxSteps, the step that reaches maxTokens, or — under a wall-clock
// budget (maxSeconds, CS336's leaderboard rule) — the last step that still fits. The rule for the budget:
// after every graph run the seconds a step costs are the larger of (a) the wall-clock seconds per step of
// this session's graph runs after its first (the first pays for warm-up; it counts only until a second
// exists), validation, samples and periodic checkpoints included, since they recur, and (b) the last three
// graph runs' own seconds per step, which catch a slowdown the average would see late; the last step is the
// current one plus the whole graph runs (stepsPerRun steps: a shorter one would build another graph) that fit
// in what is left of the budget after a reserve for the closing validation, sample and checkpoint (their
// last measured cost) and one graph run's time as slack for timing noise, never past the step limit. Once the budget
// is spent the current step is the last; a resumed run is fitted the same way before its first graph run, from the
// earlier sessions' mean seconds a step. The cosine (when cosineSteps is unset) is fitted to end at that
// step, so the rate reaches lr-min as the budget runs out: it follows the estimate when the two differ by
// more than 2%, and past warmup a step's rate is never above the previous step's, so a noisy step rate
// does not shake the learning rate (it then follows the lower of the estimates it saw).
import { type CosineSchedule, scheduleSlice } from "@cs336-ts/model";
import { cosineCycle, type RunConfig, stepLimit } from "../run/config.ts";

export type StopCause = "steps" | "tokens" | "time";

export type Budget = {
  /** The run's last step as now estimated. */
  end(): number;
  /** Learning rates of steps start .. start+count-1 (0-based iterations, CS336's schedule). */
  learningRates(start: number, count: number): Float32Array;
  /**
   * Re-estimates after a graph run that ended at `step`, `elapsed` training seconds into the run, and took
   * `stepSeconds` a step itself.
   */
  observe(step: number, elapsed: number, stepSeconds: number): void;
  /** Seconds the closing validation, sample and checkpoint are expected to take. */
  reserve(seconds: number): void;
  /** What sets the current end. */
  cause(): StopCause;
};

export function createBudget(c: RunConfig, startStep: number, startElapsed: number): Budget {
  const limit = stepLimit(c);
  const limitCause: StopCause = limit < c.maxSteps ? "tokens" : "steps";
  const timed = c.maxSeconds !== null;
  let end = limit;
  let cycle = cosineCycle(c);
  let cause: StopCause = limitCause;
  let reserved = 0;
  let lastRate = Number.POSITIVE_INFINITY;
  const seen: { step: number; elapsed: number }[] = [];
  const recent: number[] = [];
  // A resumed run starts from the earlier sessions' mean seconds a step (validation and checkpoints
  // included): a budget they spent ends the run where it is, as it ended the run they were part of, and the
  // first graph run keeps the cosine fitted to the budget instead of to the step limit.
  if (timed && startStep > 0 && startElapsed > 0) fit(startStep, startElapsed, startElapsed / startStep);
  const schedule = (): CosineSchedule => ({
    maxLearningRate: c.lrMax,
    minLearningRate: c.lrMin,
    warmupIters: c.warmupSteps,
    // A budget shorter than warmup never reaches the cosine; the cycle still lies past warmup.
    cosineCycleIters: Math.max(cycle, c.warmupSteps + 1),
  });
  return {
    end: () => end,
    learningRates(start, count) {
      const lrs = scheduleSlice(schedule(), start, count);
      if (!timed) return lrs;
      for (let i = 0; i < count; i++) {
        if (start + i > c.warmupSteps) lrs[i] = Math.min(lrs[i]!, lastRate);
        lastRate = lrs[i]!;
      }
      return lrs;
    },
    reserve: (seconds) => {
      reserved = seconds;
    },
    cause: () => cause,
    observe(step, elapsed, stepSeconds) {
      if (c.maxSeconds === null) return;
      seen.push({ step, elapsed });
      recent.push(stepSeconds);
      if (recent.length > 3) recent.shift();
      const from = seen.length > 1 ? seen[0]! : { step: startStep, elapsed: startElapsed };
      const steps = step - from.step;
      if (steps <= 0) return;
      fit(step, elapsed, Math.max((elapsed - from.elapsed) / steps, recent.reduce((a, b) => a + b, 0) / recent.length));
    },
  };
  /** Sets the end (and the cosine fitted to it) from the step, the seconds spent and the seconds a step costs. */
  function fit(step: number, elapsed: number, perStep: number): void {
    const budget = c.maxSeconds as number;
    const runs = Math.floor((budget - elapsed - reserved) / perStep / c.stepsPerRun) - 1;
    const steps = runs * c.stepsPerRun;
    const estimate = step + Math.max(0, Number.isFinite(steps) ? steps : 0);
    end = Math.min(limit, estimate);
    cause = estimate < limit ? "time" : limitCause;
    if (c.cosineSteps === null && Math.abs(end - cycle) > 0.02 * cycle) cycle = end;
  }
}
