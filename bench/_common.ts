// What several benchmark scripts share: reading `--name value` flags, the median of rounds, the process's
// CPU time, peak RSS and the load average, a corpus repeated N times, and the model shapes timed on their own (train-step) and against
// PyTorch (torch-train). bench/run.ts skips `_` files.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { MODEL_DEFAULTS, type ModelConfig, resolveModelConfig } from "@cs336-ts/model";

/** The value after `--name` in `args`, or `fallback` (undefined when none is given) when it is missing. */
export function flagValue(args: readonly string[], name: string, fallback: string): string;
export function flagValue(args: readonly string[], name: string): string | undefined;
export function flagValue(args: readonly string[], name: string, fallback?: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
}

/** This process's user + system CPU seconds, all threads. */
export function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** This process's peak RSS in (decimal) MB. */
export function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

/** `out`, holding `copies` concatenations of the file `src`: written once (temp name, then renamed), then reused. */
export function copiesOf(src: string, copies: number, out: string): string {
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const data = readFileSync(src);
  const fd = openSync(`${out}.tmp`, "w");
  for (let i = 0; i < copies; i++) {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
  }
  closeSync(fd);
  renameSync(`${out}.tmp`, out);
  return out;
}

/** The 1-minute load average, as /proc/loadavg prints it. */
export function loadAvg1(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

/** The middle value, or the mean of the two middle values of an even count. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export type BenchModel = { config: ModelConfig; batch: number };

/** A CPU-sized model (4 layers, d 256) and CS336's TinyStories model, with their batch sizes. */
export const BENCH_MODELS = {
  cpu: {
    config: resolveModelConfig({
      vocabSize: 4096,
      contextLength: 128,
      dModel: 256,
      numLayers: 4,
      numHeads: 8,
      dFf: 688,
    }),
    batch: 16,
  },
  tinystories: { config: resolveModelConfig(MODEL_DEFAULTS), batch: 8 },
} satisfies Record<string, BenchModel>;
