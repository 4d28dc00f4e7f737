// One resumable HTTP download into `dest`: bytes stream into `dest.part`; a rerun (or an automatic retry after
// a dropped connection) asks for the rest with `Range: bytes=N-`, checks the server's Content-Range, and
// starts over cleanly when the server ignores Range. The part file is the trainer's atomic file (every byte
// checked, fsync), kept on a dropped connection and renamed into place once complete.
// Leaves out: parallel segments and checksums (the CS336 mirrors publish none).
import { existsSync, rmSync, statSync } from "node:fs";
import { AtomicWriteError, formatDuration, openAtomicFile } from "@cs336-ts/trainer";

export class DownloadError extends Error {
  override name = "DownloadError";
}

export type Progress = {
  /** Bytes of the file on disk so far (including what an earlier run fetched). */
  bytes: number;
  /** Total size when the server said, else null. */
  total: number | null;
  /** Bytes per second over this run. */
  rate: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  done: boolean;
};

export type FetchOptions = {
  onProgress?: (p: Progress) => void;
  /** Called with a short line when the download resumes, restarts or retries. */
  log?: (line: string) => void;
  /** Automatic resumes after a dropped connection within this call. */
  retries?: number;
  /** Minimum milliseconds between progress callbacks (the final one always fires). */
  progressEveryMs?: number;
  /** A connection that delivers nothing for this long is dropped and resumed (default 60 s). */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
};

/** Fetches `url` into `dest` with resume; returns the number of bytes. `dest` appears only when complete. */
export async function fetchResumable(url: string, dest: string, opts: FetchOptions = {}): Promise<number> {
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchOnce(url, dest, opts);
    } catch (e) {
      if (!(e instanceof InterruptedError) || attempt >= retries) {
        if (e instanceof InterruptedError) {
          throw new DownloadError(
            `${e.message}; the partial file ${dest}.part is kept: run the same command again to resume`,
          );
        }
        throw e;
      }
      opts.log?.(`connection dropped (${e.message}); resuming (retry ${attempt + 1} of ${retries})`);
      await Bun.sleep(Math.min(8000, 500 * 2 ** attempt));
    }
  }
}

/** A transfer cut short after the response started: worth resuming. */
class InterruptedError extends Error {}

async function fetchOnce(url: string, dest: string, opts: FetchOptions): Promise<number> {
  const idle = idleWatchdog(opts.idleTimeoutMs ?? 60_000);
  try {
    return await transfer(url, dest, opts, idle);
  } finally {
    idle.stop();
  }
}

type BodyResponse = Response & { body: ReadableStream<Uint8Array> };

/** What the server's answer to a (ranged) request means for the part file. */
type Answer =
  | { kind: "body"; res: BodyResponse; offset: number; total: number | null }
  | { kind: "complete"; bytes: number }
  | { kind: "restart" };

async function transfer(url: string, dest: string, opts: FetchOptions, idle: Watchdog): Promise<number> {
  const part = `${dest}.part`;
  const answer = await request(url, part, opts, idle);
  if (answer.kind === "restart") {
    rmSync(part, { force: true });
    return transfer(url, dest, opts, idle);
  }
  if (answer.kind === "complete") {
    openAtomicFile(dest, { tempPath: part, append: true }).commit();
    return finished(answer.bytes, opts, answer.bytes, 0);
  }
  return receive(url, dest, part, answer, opts, idle);
}

/** Asks for the bytes after those the part file holds and reads the status and range headers. */
async function request(url: string, part: string, opts: FetchOptions, idle: Watchdog): Promise<Answer> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (have > 0) headers.range = `bytes=${have}-`;
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { headers, redirect: "follow", signal: idle.signal });
  } catch (e) {
    if (idle.fired()) throw new InterruptedError(`${url}: no response within ${idle.ms / 1000} s`);
    throw unreachable(url, e);
  }

  let offset = 0;
  let total: number | null = null;
  if (res.status === 206) {
    const range = parseContentRange(res.headers.get("content-range"));
    if (!range || range.start !== have) {
      await res.body?.cancel();
      throw new DownloadError(
        `${url}: asked for bytes from ${have} but the server answered Content-Range ` +
          `"${res.headers.get("content-range")}"; delete ${part} and run again to download from scratch`,
      );
    }
    offset = have;
    total = range.total;
    opts.log?.(`resuming at ${formatBytes(have)}${total ? ` of ${formatBytes(total)}` : ""}`);
  } else if (res.status === 416 && have > 0) {
    // Nothing left to send: either the part file is already complete or it is longer than the remote file.
    await res.body?.cancel();
    const size = parseContentRange(res.headers.get("content-range"))?.total ?? null;
    if (size === have) return { kind: "complete", bytes: have };
    opts.log?.(`the partial file does not match the server's (${size ?? "unknown"} bytes); starting over`);
    return { kind: "restart" };
  } else if (res.status === 200) {
    if (have > 0) opts.log?.("the server does not support resuming (no Range); starting over");
    const len = res.headers.get("content-length");
    total = len !== null && /^\d+$/.test(len) ? Number(len) : null;
  } else {
    await res.body?.cancel();
    throw new DownloadError(`${url}: the server answered HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  if (!res.body) throw new DownloadError(`${url}: the response has no body`);
  return { kind: "body", res: res as BodyResponse, offset, total };
}

/**
 * Streams the body into the part file: 200 rewrites it from byte 0, 206 appends after the bytes it holds.
 * A dropped connection or a short body keeps the part file for the next run; a body longer than announced
 * discards it.
 */
async function receive(
  url: string,
  dest: string,
  part: string,
  { res, offset, total }: Answer & { kind: "body" },
  opts: FetchOptions,
  idle: Watchdog,
): Promise<number> {
  const file = openAtomicFile(dest, { tempPath: part, append: offset > 0, resumable: true });
  const started = performance.now();
  let bytes = offset;
  let lastReport = 0;
  const every = opts.progressEveryMs ?? 250;
  const report = (done: boolean) => {
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? (bytes - offset) / secs : 0;
    const etaSeconds = total !== null && rate > 0 ? Math.max(0, (total - bytes) / rate) : null;
    opts.onProgress?.({ bytes, total, rate, etaSeconds, done });
  };
  try {
    const reader = res.body.getReader();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        idle.kick();
        chunk = await reader.read();
      } catch (e) {
        const why = idle.fired() ? `no data for ${idle.ms / 1000} s` : errorText(e);
        throw new InterruptedError(`${url}: the connection dropped at ${formatBytes(bytes)} (${why})`);
      }
      if (chunk.done) break;
      file.write(chunk.value);
      bytes += chunk.value.byteLength;
      const now = performance.now();
      if (now - lastReport >= every) {
        lastReport = now;
        report(false);
      }
    }
  } catch (e) {
    file.keep();
    if (e instanceof AtomicWriteError) {
      const why = e.code === "ENOSPC" || e.code === "EDQUOT" ? "the disk is full" : e.message;
      throw new DownloadError(
        `cannot write ${part}: ${why} at ${formatBytes(bytes)}; the partial file is kept: make room and run the ` +
          "same command again to resume",
      );
    }
    throw e;
  }
  if (total !== null && bytes < total) {
    file.keep();
    throw new InterruptedError(`${url}: the body ended at ${formatBytes(bytes)} of ${formatBytes(total)}`);
  }
  if (total !== null && bytes > total) {
    file.abort();
    throw new DownloadError(`${url}: received ${bytes} bytes but the server announced ${total}; run again`);
  }
  file.commit();
  return finished(bytes, opts, offset, (performance.now() - started) / 1000);
}

type Watchdog = ReturnType<typeof idleWatchdog>;

/** Aborts the request when `kick()` has not been called for `ms` (a stalled connection). */
function idleWatchdog(ms: number) {
  const controller = new AbortController();
  let fired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kick = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fired = true;
      controller.abort(new Error(`no data for ${ms} ms`));
    }, ms);
  };
  kick();
  return { ms, signal: controller.signal, kick, stop: () => clearTimeout(timer), fired: () => fired };
}

/** The final progress report of a completed file. */
function finished(bytes: number, opts: FetchOptions, offset: number, secs: number): number {
  const rate = secs > 0 ? (bytes - offset) / secs : 0;
  opts.onProgress?.({ bytes, total: bytes, rate, etaSeconds: 0, done: true });
  return bytes;
}

// `bytes START-END/TOTAL` (TOTAL may be `*`), or `bytes */TOTAL` in 416 answers (start = -1 then).
export function parseContentRange(h: string | null): { start: number; end: number; total: number | null } | null {
  if (!h) return null;
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(h.trim());
  if (!m) return null;
  const total = m[3] === "*" ? null : Number(m[3]);
  if (m[1] === undefined) return { start: -1, end: -1, total };
  return { start: Number(m[1]), end: Number(m[2]), total };
}

/** Whether `url` parses as an http:// or https:// URL (a mirror's base URL must, or fetch calls it unreachable). */
export function isHttpUrl(url: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function unreachable(url: string, e: unknown): DownloadError {
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  return new DownloadError(
    `cannot reach ${host} (${errorText(e)}): this machine seems to be offline or the host is blocked. ` +
      "Download the file on another machine and copy it into the --out folder, or skip downloading and " +
      "give a text corpus directly (e.g. `bun run cli demo --corpus FILE`)",
  );
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as Error & { code?: string }).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** One progress line: `123.4 MiB / 2.1 GiB  5.8%  12.3 MB/s  ETA 2m41s`. */
export function formatProgress(p: Progress): string {
  const pct = p.total ? `  ${((100 * p.bytes) / p.total).toFixed(1)}%` : "";
  const of = p.total !== null ? ` / ${formatBytes(p.total)}` : "";
  const eta = p.etaSeconds !== null && !p.done ? `  ETA ${formatDuration(p.etaSeconds)}` : "";
  return `${formatBytes(p.bytes)}${of}${pct}  ${(p.rate / 1e6).toFixed(1)} MB/s${eta}`;
}
