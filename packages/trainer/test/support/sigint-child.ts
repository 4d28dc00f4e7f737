// Child process for the Ctrl-C tests: trains the toy engine (slowed to ~20 ms a step so a signal lands
// mid-run) with the real SIGINT handler, and exits as `bun run cli train` does: 0 done, 130 interrupted.
// argv: PRESET_PATH; env STEP_MS: milliseconds per step
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
process.exitCode = result.status === "completed" ? 0 : result.status === "interrupted" ? 130 : 1;
