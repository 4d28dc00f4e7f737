// `bun run cli plot RUN_DIR… [--out FILE.svg] [--x step|tokens|time]`: overlays the learning curves of
// several runs (a sweep) in one SVG: loss against step and against wall-clock time, or against one chosen
// axis (tokens compares batch sizes fairly), train and validation, one color per run.
import { existsSync, mkdirSync, statSync } from "node:fs";
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

/** The SVG path must name a file whose folder is (or can be made) a folder: said before anything is read. */
function checkOut(out: string): void {
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UsageError(`--out ${out} is a folder; give the path of the .svg file to write`);
  }
  for (let d = dirname(resolve(out)); ; d = dirname(d)) {
    if (existsSync(d)) {
      if (!statSync(d).isDirectory()) throw new UsageError(`--out ${out}: ${d} is a file, not a folder`);
      return;
    }
    if (dirname(d) === d) return;
  }
}

const command: Command = {
  usage: "plot RUN_DIR… [--out FILE.svg] [--x step|tokens|time]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    if (f._.length === 0) throw new UsageError("name at least one run folder (written by `bun run cli train`)");
    const x = parseAxis(f.x);
    for (const dir of f._) {
      if (!existsSync(dir))
        throw new Error(`run folder ${dir} not found; pass run folders written by \`bun run cli train\``);
      if (!statSync(dir).isDirectory())
        throw new Error(`${dir} is not a folder; pass run folders written by \`bun run cli train\``);
    }
    const runs = f._.map((dir) => loadRunSeries(dir));
    const out = f.out ?? (f._.length === 1 ? join(f._[0] as string, "curves.svg") : "curves.svg");
    checkOut(out);
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
