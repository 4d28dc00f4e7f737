// Loss-curve agreement between two runs of the same preset and seed (the kit's CPU reference and the GPU run):
// step by step relative difference over the first N steps, passing when every one is within the tolerance.
// CUDA runs MatMul in TF32 (10-bit mantissa) by default, so the bar is about 1e-2 relative, not bit equality.
import { readMetrics } from "@cs336-ts/trainer";

export type LossComparison = {
  steps: number;
  tolerance: number;
  maxRelErr: number;
  worstStep: number;
  pass: boolean;
  pairs: { step: number; reference: number; run: number; relErr: number }[];
};

export function compareLosses(reference: readonly number[], run: readonly number[], steps: number, tolerance: number) {
  if (reference.length < steps || run.length < steps) {
    throw new RangeError(`need ${steps} losses on each side, have ${reference.length} (reference) and ${run.length}`);
  }
  const pairs = Array.from({ length: steps }, (_, i) => {
    const [a, b] = [reference[i]!, run[i]!];
    return { step: i + 1, reference: a, run: b, relErr: Math.abs(b - a) / Math.max(Math.abs(a), 1e-12) };
  });
  // A NaN on either side is the worst step there can be (NaN compares false with everything).
  const worst = pairs.find((p) => !Number.isFinite(p.relErr)) ?? pairs.reduce((w, p) => (p.relErr > w.relErr ? p : w));
  const pass = pairs.every((p) => Number.isFinite(p.relErr) && p.relErr <= tolerance);
  return { steps, tolerance, maxRelErr: worst.relErr, worstStep: worst.step, pass, pairs } satisfies LossComparison;
}

/** The per-step training losses of a run folder's metrics.jsonl, in step order. */
export function runLosses(metricsPath: string): number[] {
  return readMetrics(metricsPath)
    .flatMap((r) => (r.kind === "train" ? [r] : []))
    .sort((a, b) => a.step - b.step)
    .map((r) => r.loss);
}
