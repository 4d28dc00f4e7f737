// The console progress line: step/total, loss, lr, tokens/s and ETA on stderr. On a terminal it is one line
// rewritten with \r; otherwise (logs, CI) a full line every `logEvery` steps. The ETA uses this process's
// own rate, so a resumed run does not count time it did not spend. Leaves out: colors and bars.

export type ProgressInfo = { step: number; loss: number; lr: number; tokensPerSec: number };

export type Progress = {
  update(info: ProgressInfo): void;
  /** Prints a message on its own line (clearing the live line first). */
  note(message: string): void;
  done(): void;
};

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

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
  let live = false;
  let lastLogged = opts.startStep;
  const width = String(opts.totalSteps).length;
  const line = (i: ProgressInfo) => {
    const done = i.step - opts.startStep;
    const rate = done / Math.max(now() - t0, 1e-9);
    const eta = done > 0 ? formatDuration((opts.totalSteps - i.step) / rate) : "?";
    return (
      `step ${String(i.step).padStart(width)}/${opts.totalSteps}  loss ${i.loss.toFixed(4)}  ` +
      `lr ${i.lr.toExponential(2)}  ${formatRate(i.tokensPerSec)} tok/s  ETA ${eta}`
    );
  };
  return {
    update(info) {
      if (opts.isTTY) {
        opts.write(`\r\x1b[2K${line(info)}`);
        live = true;
      } else if (info.step - lastLogged >= opts.logEvery || info.step === opts.totalSteps) {
        opts.write(`${line(info)}\n`);
        lastLogged = info.step;
      }
    },
    note(message) {
      opts.write(`${live ? "\r\x1b[2K" : ""}${message}\n`);
      live = false;
    },
    done() {
      if (live) opts.write("\n");
      live = false;
    },
  };
}
