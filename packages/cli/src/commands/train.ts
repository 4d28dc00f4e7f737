// `bun run cli train --config configs/NAME.json [--train FILE.npy --val FILE.npy --out runs/NAME] [--flag v…]`:
// a preset, then one kebab-case flag per config field; prints the resolved config once, trains with a live
// progress line, prints a closing summary (tokens, wall time, best validation loss, TFLOP/s and MFU), and
// exits 0 (done), 128 + the signal when stopped (checkpoint saved: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP or
// `bun run` gone) or 1 (diverged, last good checkpoint kept).
import { parameterCount } from "@cs336-ts/model";
import {
  CONFIG_FLAGS,
  configFromFlags,
  createOnnxEngine,
  exitCodeOf,
  formatDuration,
  planRun,
  type RunConfig,
  type RunSummary,
  runPaths,
  runTraining,
  stepLimit,
} from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { type FlagSpecs, parseFlags, UsageError } from "../flags.ts";

const flags: FlagSpecs = {
  config: { type: "string", help: "preset file, e.g. configs/tinystories-cpu.json" },
  resume: {
    type: "string",
    help: "continue a run: a checkpoint file, a run folder (its newest checkpoint), or auto (--out's newest; fresh if none)",
  },
  "allow-tokenizer-mismatch": {
    type: "boolean",
    help: "train with a --tokenizer whose vocabulary size or (on resume) hash differs from the run's, with a warning",
  },
  ...CONFIG_FLAGS,
};

/** Flags that steer the command rather than set a config field. */
const COMMAND_FLAGS = new Set(["config", "resume", "allow-tokenizer-mismatch"]);

/** `--resume` with no value means `--resume auto`. */
function normalizeResume(argv: string[]): string[] {
  return argv.flatMap((a, i) => {
    const next = argv[i + 1];
    return a === "--resume" && (next === undefined || next.startsWith("--")) ? [a, "auto"] : [a];
  });
}

function describe(c: RunConfig): string {
  const { model, ...rest } = c;
  const params = parameterCount(model);
  const width = Math.max(...Object.keys(rest).map((k) => k.length)) + 2;
  const lines = [
    `model  ${JSON.stringify(model)}`,
    `       ${(params / 1e6).toFixed(2)}M parameters, ${(stepLimit(c) * c.batchSize * c.gradAccumSteps * model.contextLength).toLocaleString("en-US")} tokens` +
      (c.maxSeconds !== null ? ` at most, within ${c.maxSeconds} s` : ""),
    ...Object.entries(rest).map(([k, v]) => `${k.padEnd(width)}${JSON.stringify(v)}`),
  ];
  return `resolved config (saved to ${runPaths(c.out).config} when training starts):\n  ${lines.join("\n  ")}\n`;
}

const ENDED_BY = { steps: "--max-steps", tokens: "--max-tokens", time: "--max-seconds" } as const;

/**
 * The closing figures: what was trained, for how long, the best validation loss and the FLOP rate. An
 * interrupted run names the interrupt, not the limit it was planned to reach.
 */
function summaryLines(s: RunSummary, c: RunConfig, interrupted: boolean): string {
  const rate = s.tflops === null ? "no steps ran in this session" : `${s.tflops.toPrecision(3)} TFLOP/s of model FLOPs`;
  const mfu =
    s.mfu !== null
      ? `, MFU ${(100 * s.mfu).toFixed(1)}% of ${c.peakTflops} TFLOP/s`
      : s.tflops !== null
        ? " (MFU: pass --peak-tflops, the device's peak)"
        : "";
  return (
    `summary: ${s.steps.toLocaleString("en-US")} steps (${interrupted ? "interrupted" : `ended by ${ENDED_BY[s.endedBy]}`}), ` +
    `${s.tokens.toLocaleString("en-US")} tokens in ${formatDuration(s.seconds)}\n` +
    `  best val loss ${s.bestValLoss === null ? "– (no validation)" : s.bestValLoss.toFixed(4)}; ${rate}${mfu}\n`
  );
}

const command: Command = {
  usage:
    "train --config configs/NAME.json [--train FILE.npy --val FILE.npy --out runs/NAME] [--resume [PATH|auto]] [--FIELD VALUE …]",
  flags,
  async run(argv) {
    const f = parseFlags(normalizeResume(argv), flags);
    if (f._.length > 0)
      throw new UsageError(`unexpected arguments: ${f._.join(" ")} (flags take the form --name value)`);
    const values = new Map<string, unknown>();
    for (const name of f.given) if (!COMMAND_FLAGS.has(name)) values.set(name, f[name]);
    const plan = planRun({
      preset: (f.config as string | undefined) ?? null,
      overrides: configFromFlags(values),
      resume: (f.resume as string | undefined) ?? null,
    });
    process.stdout.write(describe(plan.config));
    for (const note of plan.notes) process.stdout.write(`${note}\n`);
    const result = await runTraining(plan, {
      engineFactory: createOnnxEngine,
      argv: ["train", ...argv],
      stderr: { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true },
      allowTokenizerMismatch: f["allow-tokenizer-mismatch"] === true,
    });
    const out = result.status === "diverged" ? process.stderr : process.stdout;
    out.write(`${result.message}\n`);
    if (result.valLoss !== null) {
      // An interrupted or diverged run's last validation predates its last step: not a final result.
      const which = result.status === "completed" ? "final" : "last measured";
      process.stdout.write(`${which} val loss ${result.valLoss.toFixed(4)}\n`);
    }
    if (result.status !== "diverged")
      process.stdout.write(summaryLines(result.summary, plan.config, result.status === "interrupted"));
    if (result.status === "completed")
      process.stdout.write(`checkpoint ${result.checkpoint}\ncurves ${runPaths(plan.config.out).curves}\n`);
    return result.status === "completed" ? 0 : result.status === "interrupted" ? exitCodeOf(result.stoppedBy) : 1;
  },
};

export default command;
