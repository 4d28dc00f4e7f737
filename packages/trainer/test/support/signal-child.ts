// Child process for the signal tests: trains the toy engine (slowed to STEP_MS a step so a signal lands
// mid-run) with the real signal handlers, and exits as `bun run cli train` does: 0 done, 128 + the signal's
// number when interrupted (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
// argv: PRESET_PATH; env STEP_MS: milliseconds per step
import { exitCodeOf } from "../../src/loop/interrupt.ts";
import { planRun, runTraining } from "../../src/loop/run-training.ts";
import { toyEngine } from "./toy-engine.ts";

const plan = planRun({ preset: process.argv[2] ?? "", overrides: {}, resume: null });
const result = await runTraining(plan, {
  engineFactory: async (c) => {
    const engine = toyEngine(c);
    const step = engine.step;
    engine.step = async (s, lrs, x, y) => {
      await Bun.sleep(Number(process.env.STEP_MS ?? 20) * lrs.length);
      return step(s, lrs, x, y);
    };
    return engine;
  },
  argv: [],
  stderr: { write: (s) => process.stderr.write(s), isTTY: false },
});
process.stdout.write(`${result.status} ${result.step}\n`);
process.exitCode =
  result.status === "completed" ? 0 : result.status === "interrupted" ? exitCodeOf(result.stoppedBy) : 1;
