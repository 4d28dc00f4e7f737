// JSONL metrics of a run: one line per optimizer step ({"kind":"train", step, tokens, time, loss, lr,
// gradNorm, tokensPerSec, and mfu when the run knows its device's peak}) and one per validation ({"kind":"val", step, tokens, time, valLoss}); `time` is
// wall-clock seconds of training, continued across resumes. Appended a whole line at a time (a failed write
// is cut back off, io/atomic-file.ts) and fsynced with each checkpoint, so the log on disk always reaches the
// newest checkpoint. Leaves out: rotation and compression (a 100k-step run is a few MB).
import { openAppendFile, writeFileAtomic } from "../io/atomic-file.ts";
import { readJsonl } from "../io/jsonl.ts";

export type TrainRecord = {
  kind: "train";
  step: number;
  tokens: number;
  time: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  /** Model FLOPs utilization of the graph run this step was part of (0..1), when a peak was given. */
  mfu?: number;
};
export type ValRecord = { kind: "val"; step: number; tokens: number; time: number; valLoss: number };
export type MetricRecord = TrainRecord | ValRecord;

/** Reads a metrics.jsonl (io/jsonl.ts: a torn last line is skipped, any other bad line is an error). */
export function readMetrics(path: string): MetricRecord[] {
  return (readJsonl(path) as MetricRecord[]).filter(
    (r) => (r?.kind === "train" || r?.kind === "val") && typeof r.step === "number",
  );
}

export type MetricsLog = {
  readonly records: MetricRecord[];
  append(r: MetricRecord): void;
  /** fsync what was appended (before a checkpoint that a resume would truncate the log back to). */
  sync?(): void;
  close?(): void;
};

/**
 * Opens a run's metrics for appending. On resume from step `resumeStep`, records after that step (written
 * by the interrupted run past its last checkpoint) are dropped so the log matches the training state.
 */
export function openMetrics(path: string, resumeStep: number | null): MetricsLog {
  let records: MetricRecord[] = [];
  if (resumeStep === null) {
    writeFileAtomic(path, new Uint8Array(0));
  } else {
    const all = readMetrics(path);
    records = all.filter((r) => r.step <= resumeStep);
    writeFileAtomic(path, new TextEncoder().encode(records.map((r) => `${JSON.stringify(r)}\n`).join("")));
  }
  const file = openAppendFile(path);
  const enc = new TextEncoder();
  return {
    records,
    append(r) {
      file.append(enc.encode(`${JSON.stringify(r)}\n`));
      records.push(r);
    },
    sync: () => file.sync(),
    close: () => file.close(),
  };
}
