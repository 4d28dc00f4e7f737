// A sweep's summary: one row per run read back from its folder (metrics.jsonl for the losses and rates, the
// sweep's outcome.json for how it ended), as an aligned Markdown table that reads the same in a terminal and
// in summary.md, as summary.json, and the runs' learning curves overlaid in one SVG named by their values.
// Leaves out: statistics across seeds (run the sweep with --seed 0,1,2 and read the rows).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readMetrics } from "../run/metrics.ts";
import { type CurveAxis, loadRunSeries, renderCurves } from "../run/plot.ts";
import { runPaths } from "../run/run-dir.ts";
import { describeValues } from "./plan.ts";

/** How a run of the sweep ended; "pending" has not started, "running" was cut off before it recorded one. */
export type SweepStatus = "completed" | "diverged" | "interrupted" | "running" | "pending";

/** What the sweep records in a run's folder when the run returns (outcome.json). */
export type SweepOutcome = { status: "completed" | "diverged" | "interrupted"; step: number; message: string };

export type SweepRow = {
  name: string;
  values: Record<string, string>;
  status: SweepStatus;
  steps: number;
  tokens: number;
  /** Training seconds (continued across resumes). */
  seconds: number;
  /** The last validation loss measured (for a diverged run: before it diverged). */
  finalValLoss: number | null;
  bestValLoss: number | null;
  /** Tokens over training seconds, validation included: what the run achieved end to end. */
  tokensPerSec: number | null;
  /** Mean model FLOPs utilization of the training steps, when the run knew a peak. */
  mfu: number | null;
};

export const outcomePath = (runDir: string) => join(runDir, "outcome.json");

export function readOutcome(runDir: string): SweepOutcome | null {
  try {
    return JSON.parse(readFileSync(outcomePath(runDir), "utf8")) as SweepOutcome;
  } catch {
    return null;
  }
}

/** One run's row from its folder (a folder not written yet is "pending"). */
export function summarizeRun(runDir: string, name: string, values: Record<string, string>): SweepRow {
  const records = readMetrics(runPaths(runDir).metrics);
  const outcome = readOutcome(runDir);
  const train = records.flatMap((r) => (r.kind === "train" ? [r] : []));
  const vals = records.flatMap((r) => (r.kind === "val" && Number.isFinite(r.valLoss) ? [r.valLoss] : []));
  const last = train.at(-1);
  const mfus = train.flatMap((r) => (typeof r.mfu === "number" && Number.isFinite(r.mfu) ? [r.mfu] : []));
  const status: SweepStatus = outcome?.status ?? (existsSync(runPaths(runDir).metrics) ? "running" : "pending");
  return {
    name,
    values,
    status,
    steps: last?.step ?? 0,
    tokens: last?.tokens ?? 0,
    seconds: last?.time ?? 0,
    finalValLoss: vals.at(-1) ?? null,
    bestValLoss: vals.length > 0 ? Math.min(...vals) : null,
    tokensPerSec: last && last.time > 0 ? last.tokens / last.time : null,
    mfu: mfus.length > 0 ? mfus.reduce((a, b) => a + b, 0) / mfus.length : null,
  };
}

const num = (v: number | null, digits: number) => (v === null ? "–" : v.toFixed(digits));
const int = (v: number) => Math.round(v).toLocaleString("en-US");

/** The rows as an aligned Markdown table; the best completed run by best validation loss is marked. */
export function sweepTable(rows: readonly SweepRow[]): string {
  const flags = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const best = bestRun(rows);
  const showMfu = rows.some((r) => r.mfu !== null);
  const head = [
    "run",
    ...flags,
    "status",
    "steps",
    "tokens",
    "final val",
    "best val",
    "tok/s",
    ...(showMfu ? ["MFU"] : []),
    "diverged",
  ];
  const body = rows.map((r) => [
    r === best ? `${r.name} (best)` : r.name,
    ...flags.map((f) => r.values[f] ?? ""),
    r.status,
    int(r.steps),
    int(r.tokens),
    num(r.finalValLoss, 4),
    num(r.bestValLoss, 4),
    r.tokensPerSec === null ? "–" : int(r.tokensPerSec),
    ...(showMfu ? [r.mfu === null ? "–" : `${(100 * r.mfu).toFixed(1)}%`] : []),
    r.status === "diverged" ? "yes" : "no",
  ]);
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  // Text columns left, numbers right (Markdown's `---:`), so the terminal and the rendered table agree.
  const measures = new Set(["steps", "tokens", "final val", "best val", "tok/s", "MFU"]);
  const right = head.map((h, c) => measures.has(h) || (c > 0 && c <= flags.length && numeric(body, c)));
  const line = (row: string[]) =>
    `| ${row.map((cell, c) => (right[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (right[c] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

const numeric = (body: string[][], c: number) => body.every((row) => row[c] === "" || Number.isFinite(Number(row[c])));

/** The completed run with the lowest best validation loss, if any. */
export function bestRun(rows: readonly SweepRow[]): SweepRow | null {
  let best: SweepRow | null = null;
  for (const r of rows) {
    if (r.status !== "completed" || r.bestValLoss === null) continue;
    if (best === null || r.bestValLoss < (best.bestValLoss as number)) best = r;
  }
  return best;
}

/** The runs' learning curves in one SVG, each named by its values, against `x`. */
export function sweepCurves(runs: readonly { dir: string; values: Record<string, string> }[], x: CurveAxis): string {
  const series = runs
    .filter((r) => existsSync(runPaths(r.dir).metrics))
    .map((r) => ({ ...loadRunSeries(r.dir), name: describeValues(r.values) }));
  return renderCurves(series, { x });
}
