// Reads ONNX Runtime's profiling trace (the Chrome-trace JSON a session created with `profilePrefix` writes when
// profiling ends) into per-run figures: wall time of each `model_run` and the sum of node kernel times inside
// it — "pure compute": forward, backward and optimizer kernels without the host copies, run setup or gaps
// between kernels. Loop nodes are left out of the sum because their body's nodes are reported themselves.
// Leaves out: per-thread breakdowns and the session's load-time events.

import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export type TraceEvent = { cat?: string; name?: string; ts?: number; dur?: number; args?: { op_name?: string } };

/** One `session.run` as the trace saw it (microseconds). */
export type RunProfile = { wallUs: number; kernelUs: number; kernels: number };

export type TraceSummary = {
  runs: RunProfile[];
  /** kernel time and call count per op type over all runs (Loop excluded) */
  byOp: Map<string, { us: number; calls: number }>;
};

/** Control-flow ops whose reported time already contains their subgraph's nodes. */
const CONTAINERS = new Set(["Loop", "If", "Scan"]);

export function summarizeTrace(events: readonly TraceEvent[]): TraceSummary {
  const runs = events
    .filter((e) => e.cat === "Session" && e.name === "model_run")
    .map((e) => ({ start: e.ts ?? 0, end: (e.ts ?? 0) + (e.dur ?? 0), wallUs: e.dur ?? 0, kernelUs: 0, kernels: 0 }))
    .sort((a, b) => a.start - b.start);
  const byOp = new Map<string, { us: number; calls: number }>();
  for (const e of events) {
    if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time")) continue;
    const op = e.args?.op_name ?? "?";
    if (CONTAINERS.has(op)) continue;
    const dur = e.dur ?? 0;
    const ts = e.ts ?? 0;
    const entry = byOp.get(op) ?? { us: 0, calls: 0 };
    entry.us += dur;
    entry.calls += 1;
    byOp.set(op, entry);
    const run = runs.find((r) => ts >= r.start && ts <= r.end);
    if (run) {
      run.kernelUs += dur;
      run.kernels += 1;
    }
  }
  return { runs: runs.map(({ wallUs, kernelUs, kernels }) => ({ wallUs, kernelUs, kernels })), byOp };
}

/** The newest trace file written for `prefix` (ORT appends `_<date>.json`), parsed. */
export function readTrace(prefix: string): TraceEvent[] {
  const dir = dirname(prefix);
  const base = basename(prefix);
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}_`) && f.endsWith(".json"))
    .sort();
  const newest = files.at(-1);
  if (!newest) throw new Error(`no ONNX Runtime profile found for prefix ${prefix} (was profiling ended?)`);
  const parsed: unknown = JSON.parse(readFileSync(join(dir, newest), "utf8"));
  if (!Array.isArray(parsed)) throw new Error(`${newest}: expected a JSON array of trace events`);
  return parsed as TraceEvent[];
}
