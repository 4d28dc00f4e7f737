// `bun run cli sweep --config configs/NAME.json --out runs/SWEEP --lr-max 1e-4,3e-4,1e-3 [--batch-size 16,64]
// [--zip] [--x step|tokens|time]`: every config field of `train` takes comma-separated values (a repeated flag
// adds its values: `--lr-max 1e-4 --lr-max 1e-3` is `--lr-max 1e-4,1e-3`, not a last-one-wins); the runs (grid,
// or zipped lists) train one after another into one folder, and the sweep prints and writes a summary table
// and an overlay plot. Running the same command again resumes it. Exits 0 when every run has ended (diverged
// runs included: they are results), 128 + the signal when interrupted (130 for Ctrl-C), as train does.
import { CONFIG_FLAGS, createOnnxEngine, exitCodeOf, planSweep, runSweep, type SweepField } from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { type FlagSpecs, parseFlags } from "../flags.ts";
import { noPositionals } from "./inference-flags.ts";
import { parseAxis } from "./plot.ts";

const fieldFlags: FlagSpecs = Object.fromEntries(
  Object.entries(CONFIG_FLAGS)
    .filter(([flag]) => flag !== "out")
    .map(([flag, spec]) => [
      flag,
      { type: "strings", help: `${spec.help} (comma-separated values, or repeat the flag)` },
    ]),
);

const flags: FlagSpecs = {
  config: { type: "string", required: true, help: "preset every run starts from, e.g. configs/tinystories-cpu.json" },
  out: { type: "string", required: true, help: "sweep folder: one sub-folder per run, summary.md/.json, curves.svg" },
  zip: { type: "boolean", help: "pair the i-th values of the swept fields instead of every combination" },
  x: { type: "string", help: "x axis of curves.svg: step, tokens or time", default: "tokens" },
  ...fieldFlags,
};

const command: Command = {
  usage:
    "sweep --config configs/NAME.json --out runs/SWEEP [--zip] [--x step|tokens|time] --FIELD V1,V2,… [--FIELD V …]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    noPositionals(f);
    const x = parseAxis(f.x as string) ?? "tokens";
    const fields: SweepField[] = [...f.given]
      .filter((name) => name in fieldFlags)
      .map((flag) => ({ flag, values: (f[flag] as string[]).flatMap((v) => v.split(",")).map((v) => v.trim()) }));
    const runs = planSweep(fields, f.zip ? "zip" : "grid");
    const out = f.out as string;
    process.stdout.write(`sweep of ${runs.length} run${runs.length === 1 ? "" : "s"} into ${out}\n`);
    const result = await runSweep({
      preset: f.config as string,
      runs,
      out,
      x,
      engineFactory: createOnnxEngine,
      argv: ["sweep", ...argv],
      stderr: { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true },
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`\n${result.table}\n`);
    if (result.best) process.stdout.write(`\nbest: ${result.best.name}\n`);
    process.stdout.write(
      `\nsummary ${result.paths.summaryMd}, ${result.paths.summaryJson}\ncurves ${result.paths.curves}\n`,
    );
    if (result.status === "interrupted") {
      process.stdout.write("interrupted; run the same command again to continue the sweep\n");
      return exitCodeOf(result.stoppedBy);
    }
    return 0;
  },
};

export default command;
