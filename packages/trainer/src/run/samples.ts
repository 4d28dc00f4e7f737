// samples.jsonl of a run: one line per sample taken during training (--sample-every), with the step, tokens
// and training seconds it was taken at, the prompt, the sampled text and the settings that drew it, so a
// run's samples read as its progress in words. Appended a line at a time like metrics.jsonl; on resume the
// lines past the resumed step (taken by the interrupted session after its last checkpoint) are dropped.
// Leaves out: the sampling itself (loop/sampler.ts).
import { openAppendFile, writeFileAtomic } from "../io/atomic-file.ts";
import { readJsonl } from "../io/jsonl.ts";

export type SampleRecord = {
  step: number;
  tokens: number;
  time: number;
  prompt: string;
  /** The continuation only (the prompt is not repeated). */
  text: string;
  temperature: number;
  topP: number;
  seed: number;
  stoppedAt: "end-of-text" | "max-tokens";
};

export type SamplesLog = { append(r: SampleRecord): void; sync(): void; close(): void };

/** Reads a samples.jsonl (io/jsonl.ts: a torn last line is skipped, any other bad line is an error). */
export function readSamples(path: string): SampleRecord[] {
  return readJsonl(path) as SampleRecord[];
}

/** Opens a run's samples for appending (from scratch, or cut back to `resumeStep`). */
export function openSamples(path: string, resumeStep: number | null): SamplesLog {
  const kept = resumeStep === null ? [] : readSamples(path).filter((r) => r.step <= resumeStep);
  writeFileAtomic(path, new TextEncoder().encode(kept.map((r) => `${JSON.stringify(r)}\n`).join("")));
  const file = openAppendFile(path);
  const enc = new TextEncoder();
  return {
    append: (r) => file.append(enc.encode(`${JSON.stringify(r)}\n`)),
    sync: () => file.sync(),
    close: () => file.close(),
  };
}
