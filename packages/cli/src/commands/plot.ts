// `bun run cli plot RUN_DIR… [--out FILE.svg] [--x step|tokens|time]`: overlays the learning curves of
// several runs (a sweep) in one SVG: loss against step and against wall-clock time, or against one chosen
// axis (tokens compares batch sizes fairly), train and validation, one color per run.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CURVE_AXES, type CurveAxis, loadRunSeries, renderCurves, writeFileAtomic } from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { parseFlags, UsageError } from "../flags.ts";

const flags = {
  out: { type: "string", help: "SVG file to write (default: RUN_DIR/curves.svg for one run, curves.svg for several)" },
  x: { type: "string", help: "one panel against step, tokens or time (default: two panels, step and time)" },
} as const;

/** --x as an axis, or undefined for the two-panel default. */
export function parseAxis(value: string | undefined): CurveAxis | undefined {
  if (value === undefined) return undefined;
  if (!(CURVE_AXES as readonly string[]).includes(value)) {
    throw new UsageError(`--x must be one of ${CURVE_AXES.join(", ")}, got "${value}"`);
  }
  return value as CurveAxis;
}

const command: Command = {
  usage: "plot RUN_DIR… [--out FILE.svg] [--x step|tokens|time]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    if (f._.length === 0) throw new UsageError("name at least one run folder (written by `bun run cli train`)");
    const x = parseAxis(f.x);
    const runs = f._.map((dir) => loadRunSeries(dir));
    const out = f.out ?? (f._.length === 1 ? join(f._[0] as string, "curves.svg") : "curves.svg");
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileAtomic(out, new TextEncoder().encode(renderCurves(runs, x ? { x } : {})));
    for (const r of runs) {
      const lastVal = r.val.at(-1);
      const tail = lastVal ? `final val loss ${lastVal.loss.toFixed(4)} at step ${lastVal.step}` : "no validation";
      process.stdout.write(`${r.name}: ${r.train.length} steps, ${tail}\n`);
    }
    process.stdout.write(`wrote ${out}\n`);
    return 0;
  },
};

export default command;
