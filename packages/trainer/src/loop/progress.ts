// The training progress line: step/total, loss, lr, tokens/s, MFU (when the run names its device's peak) and
// ETA on stderr, drawn by the shared status line (io/status-line.ts): rewritten in place on a terminal,
// otherwise (logs, CI) a line every `logEvery` steps. The ETA uses this process's own rate, so a resumed run
// does not count time it did not spend; the total follows a time budget's estimate of the last step.
// Leaves out: colors and bars.
import { createStatusLine, formatDuration } from "../io/status-line.ts";

export type ProgressInfo = {
  step: number;
  loss: number;
  lr: number;
  tokensPerSec: number;
  /** The run's last step as now estimated (a time budget moves it); default: the total given at creation. */
  total?: number;
  /** Model FLOPs utilization of the last graph run (0..1). */
  mfu?: number;
};

export type Progress = {
  update(info: ProgressInfo): void;
  /** Prints a message on its own line (clearing the live line first). */
  note(message: string): void;
  done(): void;
};

function formatRate(tps: number): string {
  return tps >= 1e6 ? `${(tps / 1e6).toFixed(2)}M` : tps >= 1e3 ? `${(tps / 1e3).toFixed(1)}k` : tps.toFixed(0);
}

export function createProgress(opts: {
  totalSteps: number;
  startStep: number;
  logEvery: number;
  isTTY: boolean;
  write: (s: string) => void;
  now?: () => number;
}): Progress {
  const now = opts.now ?? (() => performance.now() / 1000);
  const t0 = now();
  const status = createStatusLine({ write: opts.write, isTTY: opts.isTTY });
  let lastLogged = opts.startStep;
  let total = opts.totalSteps;
  const width = String(opts.totalSteps).length;
  const line = (i: ProgressInfo) => {
    const done = i.step - opts.startStep;
    const rate = done / Math.max(now() - t0, 1e-9);
    const eta = done > 0 ? formatDuration((total - i.step) / rate) : "?";
    const mfu = i.mfu !== undefined ? `  MFU ${(100 * i.mfu).toFixed(1)}%` : "";
    return (
      `step ${String(i.step).padStart(width)}/${total}  loss ${i.loss.toFixed(4)}  ` +
      `lr ${i.lr.toExponential(2)}  ${formatRate(i.tokensPerSec)} tok/s${mfu}  ETA ${eta}`
    );
  };
  return {
    update(info) {
      total = info.total ?? total;
      // A terminal shows every graph run; a log gets a line every logEvery steps and at the end.
      if (opts.isTTY) {
        status.show(line(info));
      } else if (info.step - lastLogged >= opts.logEvery || info.step === total) {
        status.show(line(info));
        lastLogged = info.step;
      }
    },
    note: (message) => status.note(message),
    done: () => status.done(),
  };
}
