// Ctrl-C during training: the first SIGINT asks the loop to stop after the graph run in flight, save a
// checkpoint and exit 130; a second SIGINT aborts at once (exit 130, no checkpoint written). The loop polls
// `requested()` between graph runs, so a checkpoint never captures half of a K-step run.
// Leaves out: SIGTERM (schedulers that send it get the default: immediate exit).
import { writeSync } from "node:fs";

export type Interrupt = { requested(): boolean; dispose(): void };

export function installInterrupt(note: (message: string) => void): Interrupt {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      note("interrupted: finishing the current steps and saving a checkpoint (Ctrl-C again to abort without saving)");
    } else {
      // Written synchronously: process.exit would drop a buffered write to a pipe.
      writeSync(2, "\naborted: no checkpoint written for the steps since the last one\n");
      process.exit(130);
    }
  };
  process.on("SIGINT", handler);
  return {
    requested: () => count > 0,
    dispose: () => {
      process.off("SIGINT", handler);
    },
  };
}

/** A stand-in for tests: stop once `after()` says so. */
export function manualInterrupt(after: () => boolean): Interrupt {
  return { requested: after, dispose() {} };
}
