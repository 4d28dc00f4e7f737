// CS336's learning-rate schedule (assignment 1 §4.4): linear warmup from 0 to the maximum over
// `warmupIters`, cosine annealing down to the minimum until `cosineCycleIters`, then the minimum.
// Computed on the host; the training graph receives the resulting per-step rates as `lrs[K]`.
// Leaves out: restarts and other schedules.

export type CosineSchedule = {
  maxLearningRate: number;
  minLearningRate: number;
  warmupIters: number;
  cosineCycleIters: number;
};

/** The learning rate at iteration `it` (CS336's `get_lr_cosine_schedule`). */
export function cosineLr(it: number, s: CosineSchedule): number {
  const { maxLearningRate: max, minLearningRate: min, warmupIters: warm, cosineCycleIters: cycle } = s;
  if (it < warm) return (it / warm) * max;
  // cycle == warm leaves no cosine phase; (it - warm) / (cycle - warm) would be 0/0 = NaN at it == warm.
  if (it === warm && cycle === warm) return max;
  if (it <= cycle) return min + 0.5 * (1 + Math.cos(((it - warm) / (cycle - warm)) * Math.PI)) * (max - min);
  return min;
}

/**
 * Checks a schedule once at the boundary. The one open choice is cycle == warmup (no cosine phase: the
 * maximum at it == warmup, the minimum after): CS336's `get_lr_cosine_schedule` adapter allows it
 * ("optional"); the default refuses it, as the trainer's config does (cosineSteps > warmupSteps).
 */
export function validateSchedule(s: CosineSchedule, cosinePhase: "required" | "optional" = "required"): CosineSchedule {
  const { maxLearningRate: max, minLearningRate: min, warmupIters: warm, cosineCycleIters: cycle } = s;
  if (!(Number.isFinite(max) && max >= 0)) throw new RangeError(`max learning rate must be >= 0, got ${max}`);
  if (!(Number.isFinite(min) && min >= 0 && min <= max)) {
    throw new RangeError(`min learning rate must lie in [0, max learning rate ${max}], got ${min}`);
  }
  if (!(Number.isSafeInteger(warm) && warm >= 0))
    throw new RangeError(`warmup iterations must be an integer >= 0, got ${warm}`);
  if (cosinePhase === "optional") {
    if (!Number.isSafeInteger(cycle)) throw new RangeError(`cosine cycle iterations must be an integer, got ${cycle}`);
    if (cycle < warm) {
      throw new RangeError(`cosine cycle iterations (${cycle}) must be >= warmup iterations (${warm})`);
    }
  } else if (!(Number.isSafeInteger(cycle) && cycle > warm)) {
    throw new RangeError(
      `cosine cycle iterations (${cycle}) must be an integer greater than warmup iterations (${warm})`,
    );
  }
  return s;
}

/** Rates for iterations start .. start+count-1 as the float32 `lrs` input of the K-step graph. */
export function scheduleSlice(s: CosineSchedule, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = cosineLr(start + i, s);
  return out;
}
