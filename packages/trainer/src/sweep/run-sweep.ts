// Running a sweep: its runs one after another into one folder (a sub-folder per run, named from its values),
// each a normal training run (planRun + runTraining). Resumable by running the same command again: a run that
// recorded an end in its outcome.json (completed, or diverged: it would diverge again) is skipped, an
// interrupted or killed one resumes from its newest checkpoint. A diverged run is recorded as such and the
// sweep goes on; an interrupt stops the sweep after saving the run in flight. After every run the summary
// (summary.json, summary.md) and the overlaid curves (curves.svg) are rewritten, so they exist mid-sweep.
// Every run's config is resolved before the first starts, so a bad combination fails before any training, and
// so does a finished run whose saved config differs from this command's (its results would be reported as
// this command's): folder names come from the swept values only.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic-file.ts";
import type { EngineFactory } from "../loop/engine.ts";
import type { Interrupt, StopReason } from "../loop/interrupt.ts";
import { planRun, readPreset, runTraining } from "../loop/run-training.ts";
import { ConfigError, type RunConfig, type RunConfigInput, resolveRunConfig } from "../run/config.ts";
import type { CurveAxis } from "../run/plot.ts";
import { listCheckpoints, runPaths } from "../run/run-dir.ts";
import { describeValues, type SweepRun } from "./plan.ts";
import {
  bestRun,
  outcomePath,
  readOutcome,
  type SweepOutcome,
  type SweepRow,
  summarizeRun,
  sweepCurves,
  sweepTable,
} from "./summary.ts";

export type SweepOptions = {
  /** Preset file every run starts from (null: the defaults). */
  preset: string | null;
  runs: SweepRun[];
  /** The sweep's folder. */
  out: string;
  /** The overlay plot's x axis. */
  x: CurveAxis;
  engineFactory: EngineFactory;
  argv: string[];
  /** Each run's progress line. */
  stderr: { write(s: string): void; isTTY: boolean };
  /** The sweep's own lines: which run starts, skips, how it ended. */
  log: (line: string) => void;
  /** A stand-in for the signal handlers each run installs (tests). */
  interrupt?: Interrupt;
};

export type SweepResult = {
  status: "completed" | "interrupted";
  /** For "interrupted": what stopped the run in flight (null: a stand-in interrupt, read as Ctrl-C). */
  stoppedBy?: StopReason | null;
  rows: SweepRow[];
  best: SweepRow | null;
  table: string;
  paths: { summaryJson: string; summaryMd: string; curves: string };
};

export const sweepPaths = (out: string) => ({
  summaryJson: join(out, "summary.json"),
  summaryMd: join(out, "summary.md"),
  curves: join(out, "curves.svg"),
});

const runDir = (o: SweepOptions, r: SweepRun) => join(o.out, r.name);

/** Settings that only place or report a run: a rerun may change them and still skip its finished runs. */
const PLACEMENT = new Set(["threads", "device", "peakTflops"]);

/** Where a run's saved config.json differs from `config`, as "field old -> new" (none when it has none). */
function changedSettings(dir: string, config: RunConfig): string[] {
  let saved: RunConfig;
  try {
    saved = JSON.parse(readFileSync(runPaths(dir).config, "utf8")) as RunConfig;
  } catch {
    return [];
  }
  const flat = (c: RunConfig): Record<string, unknown> => {
    const { model, ...rest } = c;
    return { ...model, ...rest };
  };
  const [was, now] = [flat(saved), flat(config)];
  return [...new Set([...Object.keys(was), ...Object.keys(now)])]
    .filter((k) => !PLACEMENT.has(k) && JSON.stringify(was[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k} ${JSON.stringify(was[k]) ?? "unset"} -> ${JSON.stringify(now[k]) ?? "unset"}`);
}

/**
 * Resolves every run's config up front; the message names the run whose values do not fit, or the finished
 * run that was trained with other settings.
 */
function checkRuns(o: SweepOptions): void {
  const base: RunConfigInput = o.preset ? readPreset(o.preset) : {};
  for (const r of o.runs) {
    let config: RunConfig;
    try {
      config = resolveRunConfig(base, r.overrides, { out: runDir(o, r) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(`run ${r.name} (${describeValues(r.values)}): ${e.message}`);
    }
    const done = readOutcome(runDir(o, r));
    const changed = done && done.status !== "interrupted" ? changedSettings(runDir(o, r), config) : [];
    if (done && changed.length > 0) {
      throw new ConfigError(
        `run ${r.name} (${describeValues(r.values)}) ${done.status} earlier with other settings ` +
          `(${changed.join("; ")}); give this sweep another --out, or delete ${runDir(o, r)} to train it again`,
      );
    }
  }
}

/** Rewrites summary.json, summary.md and curves.svg from the run folders. */
function writeSummary(o: SweepOptions): Omit<SweepResult, "status"> {
  const rows = o.runs.map((r) => summarizeRun(runDir(o, r), r.name, r.values));
  const best = bestRun(rows);
  const table = sweepTable(rows);
  const paths = sweepPaths(o.out);
  const enc = new TextEncoder();
  const doc = { preset: o.preset, x: o.x, best: best?.name ?? null, runs: rows };
  writeFileAtomic(paths.summaryJson, enc.encode(`${JSON.stringify(doc, null, 2)}\n`));
  const bestLine = best ? `\nbest: ${best.name} (best validation loss ${best.bestValLoss?.toFixed(4)})\n` : "";
  writeFileAtomic(paths.summaryMd, enc.encode(`# Sweep ${o.out}\n\n${table}\n${bestLine}`));
  const curves = sweepCurves(
    o.runs.map((r) => ({ dir: runDir(o, r), values: r.values })),
    o.x,
  );
  writeFileAtomic(paths.curves, enc.encode(curves));
  return { rows, best, table, paths };
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  if (o.runs.length === 0) throw new ConfigError("the sweep has no runs");
  checkRuns(o);
  mkdirSync(o.out, { recursive: true });
  const enc = new TextEncoder();
  for (const [i, r] of o.runs.entries()) {
    const dir = runDir(o, r);
    const head = `[${i + 1}/${o.runs.length}] ${describeValues(r.values)} → ${dir}`;
    const done = readOutcome(dir);
    if (done && done.status !== "interrupted") {
      o.log(`${head}: ${done.status} earlier, skipped`);
      continue;
    }
    const resume = listCheckpoints(dir).length > 0 ? "auto" : null;
    const plan = planRun({ preset: o.preset, overrides: { ...r.overrides, out: dir }, resume });
    o.log(resume ? `${head}: resuming at step ${plan.resume?.iteration}` : head);
    const result = await runTraining(plan, {
      engineFactory: o.engineFactory,
      argv: o.argv,
      stderr: o.stderr,
      ...(o.interrupt ? { interrupt: o.interrupt } : {}),
    });
    const outcome: SweepOutcome = { status: result.status, step: result.step, message: result.message };
    writeFileAtomic(outcomePath(dir), enc.encode(`${JSON.stringify(outcome, null, 2)}\n`));
    o.log(`    ${result.message}`);
    if (result.status === "interrupted") {
      return { status: "interrupted", stoppedBy: result.stoppedBy ?? null, ...writeSummary(o) };
    }
    writeSummary(o);
  }
  return { status: "completed", ...writeSummary(o) };
}
