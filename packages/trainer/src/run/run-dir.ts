// The run folder: config.json (the resolved config), run.json (git commit, tokenizer sha256, start time, per
// session when resumed), metrics.jsonl, samples.jsonl (with --sample-every), curves.svg and checkpoints/ with
// `step-NNNNNNN.safetensors` files (the last N kept) and `best.safetensors` (lowest validation loss).
// Leaves out: the lock that keeps a folder to one run (run-lock.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic-file.ts";
import { readCheckpointMetadata } from "./checkpoint.ts";
import type { RunConfig } from "./config.ts";

/** One process's part of a run: a fresh start, or a resume from `fromStep`. */
export type RunSession = {
  gitCommit: string | null;
  gitDirty: boolean | null;
  startedAt: string;
  fromStep: number;
  argv: string[];
  runtime: string;
};

/** run.json: the current session's fields at the top, earlier sessions (resumes) in `previous`. */
export type RunInfo = RunSession & { tokenizerSha256: string | null; previous: RunSession[] };

export const runPaths = (out: string) => ({
  config: join(out, "config.json"),
  info: join(out, "run.json"),
  metrics: join(out, "metrics.jsonl"),
  samples: join(out, "samples.jsonl"),
  curves: join(out, "curves.svg"),
  checkpoints: join(out, "checkpoints"),
  best: join(out, "checkpoints", "best.safetensors"),
});

export function checkpointPath(out: string, step: number): string {
  return join(out, "checkpoints", `step-${String(step).padStart(7, "0")}.safetensors`);
}

const STEP_FILE = /^step-(\d+)\.safetensors$/;

/** Periodic checkpoints of a run, oldest first. */
export function listCheckpoints(out: string): { step: number; path: string }[] {
  const dir = runPaths(out).checkpoints;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ m: STEP_FILE.exec(name), name }))
    .filter((e): e is { m: RegExpExecArray; name: string } => e.m !== null)
    .map((e) => ({ step: Number(e.m[1]), path: join(dir, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/** The newest periodic checkpoint, or null. */
export function latestCheckpoint(out: string): string | null {
  return listCheckpoints(out).at(-1)?.path ?? null;
}

/** Deletes all but the newest `keepLast` periodic checkpoints (best.safetensors is separate). */
export function pruneCheckpoints(out: string, keepLast: number): void {
  const all = listCheckpoints(out);
  for (const c of all.slice(0, Math.max(0, all.length - keepLast))) rmSync(c.path, { force: true });
}

/**
 * Deletes periodic checkpoints past `step`: resuming from an earlier checkpoint abandons them (as
 * metrics.jsonl drops their lines), and left in place they would outrank the new ones in pruning and in
 * `--resume auto`. Returns the deleted paths.
 */
export function dropCheckpointsAfter(out: string, step: number): string[] {
  const later = listCheckpoints(out).filter((c) => c.step > step);
  for (const c of later) rmSync(c.path, { force: true });
  return later.map((c) => c.path);
}

/**
 * Deletes what an earlier run left that a fresh start would not overwrite: planRun refuses a folder with periodic
 * checkpoints, but an earlier run that wrote none (it diverged or was killed first) can leave its best, whose
 * validation loss would stand as the new run's, and its samples.jsonl and curves.svg, which a run that samples
 * nothing (or ends before its first record) would present as its own. metrics.jsonl is started over anyway.
 * Returns the deleted paths.
 */
export function dropEarlierRunFiles(out: string): string[] {
  const p = runPaths(out);
  const left = [p.best, p.samples, p.curves].filter((f) => existsSync(f));
  for (const f of left) rmSync(f, { force: true });
  return left;
}

/** Validation loss recorded in best.safetensors, or Infinity when there is none yet. */
export function bestValLoss(out: string): number {
  const p = runPaths(out).best;
  if (!existsSync(p)) return Number.POSITIVE_INFINITY;
  const v = Number(readCheckpointMetadata(p).val_loss);
  return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
}

/** HEAD's commit and whether the tree has changes, or nulls outside a git checkout. */
function gitState(cwd: string): { commit: string | null; dirty: boolean | null } {
  try {
    const head = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd, stderr: "ignore" });
    if (head.exitCode !== 0) return { commit: null, dirty: null };
    const status = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd, stderr: "ignore" });
    return {
      commit: head.stdout.toString().trim(),
      dirty: status.exitCode === 0 ? status.stdout.toString().trim() !== "" : null,
    };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** A run folder's run.json as prepareRunDir wrote it; null when it is missing or unreadable. */
export function readRunInfo(out: string): RunInfo | null {
  try {
    return JSON.parse(readFileSync(runPaths(out).info, "utf8")) as RunInfo;
  } catch {
    return null;
  }
}

/**
 * Creates the folder and writes config.json and run.json (atomically). On resume the earlier sessions of
 * run.json are kept, so a run resumed on another commit still records where each part came from.
 */
export function prepareRunDir(
  config: RunConfig,
  argv: string[],
  tokenizerSha256: string | null,
  resume: { fromStep: number; previous: RunInfo | null } | null,
): RunInfo {
  const paths = runPaths(config.out);
  mkdirSync(paths.checkpoints, { recursive: true });
  const git = gitState(process.cwd());
  const earlier: RunSession[] = [];
  if (resume?.previous) {
    const { tokenizerSha256: _, previous, ...session } = resume.previous;
    earlier.push(...(previous ?? []), session);
  }
  const info: RunInfo = {
    gitCommit: git.commit,
    gitDirty: git.dirty,
    startedAt: new Date().toISOString(),
    fromStep: resume?.fromStep ?? 0,
    argv,
    runtime: `bun ${Bun.version}`,
    tokenizerSha256,
    previous: earlier,
  };
  const enc = new TextEncoder();
  writeFileAtomic(paths.config, enc.encode(`${JSON.stringify(config, null, 2)}\n`));
  writeFileAtomic(paths.info, enc.encode(`${JSON.stringify(info, null, 2)}\n`));
  return info;
}
