// The one live status line every long job draws on stderr (training progress, train-bpe, encode, eval,
// download): on a terminal it is redrawn in place (carriage return, clear line); in a log or a pipe each
// shown state is a line of its own, so CI output stays readable. Callers say what the line reads and how
// often; this decides how it is drawn, throttled and ended. Also the one duration format (`2m05s`, ETA).
// Leaves out: colors, bars and several live lines at once.

export type StatusStream = { write(s: string): void; isTTY: boolean };

export type StatusLine = {
  readonly isTTY: boolean;
  /** Shows `text`: redrawn in place on a terminal, a line of its own otherwise; throttled unless `force`. */
  show(text: string, force?: boolean): void;
  /** A message on its own line; a live line on the terminal is cleared first. */
  note(message: string): void;
  /** Ends a live line with a newline, so whatever comes next starts on a fresh line. */
  done(): void;
  /** Erases a live line, leaving nothing behind. */
  clear(): void;
};

export type StatusLineOptions = {
  /** Least milliseconds between two shown states on a terminal (default 0: every one). */
  ttyEveryMs?: number;
  /** Least milliseconds between two lines in a log (default 0: every one). */
  logEveryMs?: number;
  /** Milliseconds on a monotonic clock (tests pass a fake one). */
  now?: () => number;
};

const CLEAR = "\r\x1b[2K";

export function createStatusLine(out: StatusStream, opts: StatusLineOptions = {}): StatusLine {
  const now = opts.now ?? (() => performance.now());
  const every = out.isTTY ? (opts.ttyEveryMs ?? 0) : (opts.logEveryMs ?? 0);
  let last = Number.NEGATIVE_INFINITY;
  let live = false;
  return {
    isTTY: out.isTTY,
    show(text, force = false) {
      const t = now();
      if (!force && t - last < every) return;
      last = t;
      if (out.isTTY) {
        out.write(`${CLEAR}${text}`);
        live = true;
      } else {
        out.write(`${text}\n`);
      }
    },
    note(message) {
      out.write(`${live ? CLEAR : ""}${message}\n`);
      live = false;
    },
    done() {
      if (live) out.write("\n");
      live = false;
    },
    clear() {
      if (live) out.write(CLEAR);
      live = false;
    },
  };
}

/** Seconds as `42s`, `2m05s` or `2h01m`; `?` when unknown (an ETA before the first step). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
