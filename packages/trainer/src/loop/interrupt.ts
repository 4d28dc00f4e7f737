// Stopping a training run from outside, the same way for every cause: Ctrl-C (SIGINT), SIGTERM (docker stop,
// systemd, Kubernetes and Slurm send it first), SIGHUP (the terminal closed), or the `bun run` wrapper dying
// (its child would otherwise train on, orphaned). The loop polls `requested()` between graph runs, finishes
// the run in flight, saves a checkpoint and exits 128 + the signal's number. A terminal's Ctrl-C reaches both
// `bun run` and the trainer, and `bun run` forwards its copy: a second signal within GRACE_MS of the first is
// that copy and is ignored; a later one aborts at once without saving.
// Leaves out: signals ignored when the process started (nohup's SIGHUP, `&` in a script's SIGINT) stay ignored.
import { readFileSync, writeSync } from "node:fs";

export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";
/** Why a run stopped early: a signal, or the parent (`bun run`) that started it exiting. */
export type StopReason = StopSignal | "parent-exited";

export type Interrupt = {
  requested(): boolean;
  /** The first cause, once requested (stand-ins may leave it out: they read as SIGINT). */
  reason?(): StopReason | null;
  dispose(): void;
};

const SIGNAL_NUMBERS: Record<StopSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
/** A repeat within this many milliseconds is the same keypress reaching the process twice. */
export const GRACE_MS = 1000;

/** The shell's convention: 128 + the signal's number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP and a lost parent). */
export function exitCodeOf(reason: StopReason | null | undefined): number {
  return 128 + SIGNAL_NUMBERS[reason === "parent-exited" ? "SIGHUP" : (reason ?? "SIGINT")];
}

let ignoredAtStart: Set<StopSignal> | undefined;

/** Signals this process inherited as ignored (Linux's SigIgn mask); read once, before any handler of ours. */
function inheritedIgnored(): Set<StopSignal> {
  if (ignoredAtStart) return ignoredAtStart;
  ignoredAtStart = new Set();
  try {
    const mask = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0"}`);
    for (const [name, n] of Object.entries(SIGNAL_NUMBERS)) {
      if ((mask >> BigInt(n - 1)) & 1n) ignoredAtStart.add(name as StopSignal);
    }
  } catch {}
  return ignoredAtStart;
}

const SENDERS: Record<StopSignal, string> = { SIGINT: "", SIGTERM: " by SIGTERM", SIGHUP: " by SIGHUP (hang-up)" };

/**
 * Installs the handlers; `note` prints a line (the progress line's note). The parent is watched only under
 * a package-script runner (`bun run`, `npm run`), whose child is not meant to outlive it.
 */
export function installInterrupt(
  note: (message: string) => void,
  opts: { now?: () => number; watchParent?: boolean } = {},
): Interrupt {
  const now = opts.now ?? (() => performance.now());
  const ignored = inheritedIgnored();
  const parent = process.ppid;
  const watchParent = opts.watchParent ?? process.env.npm_lifecycle_event !== undefined;
  let reason: StopReason | null = null;
  let at = 0;
  const handler = (signal: StopSignal) => {
    if (reason === null) {
      reason = signal;
      at = now();
      const again = signal === "SIGINT" ? "press Ctrl-C again" : `send ${signal} again`;
      note(
        `interrupted${SENDERS[signal]}: finishing the current steps and saving a checkpoint (${again} to abort ` +
          "without saving)",
      );
    } else if (now() - at >= GRACE_MS) {
      // Written synchronously: process.exit would drop a buffered write to a pipe.
      writeSync(2, "\naborted: no checkpoint written for the steps since the last one\n");
      process.exit(exitCodeOf(signal));
    }
  };
  const installed = (Object.keys(SIGNAL_NUMBERS) as StopSignal[])
    .filter((s) => !ignored.has(s))
    .map((s) => [s, () => handler(s)] as const);
  for (const [s, h] of installed) process.on(s, h);
  return {
    requested() {
      if (reason === null && watchParent && process.ppid !== parent) {
        reason = "parent-exited";
        at = now();
        note(`the parent process (pid ${parent}) exited: finishing the current steps and saving a checkpoint`);
      }
      return reason !== null;
    },
    reason: () => reason,
    dispose() {
      for (const [s, h] of installed) process.off(s, h);
    },
  };
}

/** A stand-in for tests: stop once `after()` says so. */
export function manualInterrupt(after: () => boolean): Interrupt {
  return { requested: after, dispose() {} };
}
