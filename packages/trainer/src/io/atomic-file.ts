// The one way this project puts a file on disk: write to a temporary file in the destination's folder, loop
// until writeSync has taken every byte (a full disk shows first as a short write), fsync the file, rename it
// over the destination, then fsync the folder so the rename itself survives a crash. A failure removes the
// temporary file and throws an AtomicWriteError naming the destination; the old file, if any, is untouched.
// Logs that grow (metrics.jsonl) are appended a whole record at a time instead (openAppendFile). A writer
// killed with -9 leaves its `.tmp-<pid>` file; removeStaleTempFiles clears those of dead processes.
// Leaves out: locking (two writers of one path each publish a whole file; the last rename wins).
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";

export class AtomicWriteError extends Error {
  override name = "AtomicWriteError";
  /** The system error code of the cause (ENOSPC, EACCES, …), when there is one. */
  readonly code: string | undefined;
  constructor(path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`cannot write ${path}: ${why}`, { cause });
    this.code = (cause as { code?: string } | null)?.code;
  }
}

/** A file being written: nothing appears at `path` until `commit()`. */
export type AtomicFile = {
  readonly path: string;
  readonly tempPath: string;
  /** Appends bytes, all of them or an error. */
  write(bytes: Uint8Array): void;
  /** Overwrites bytes at `position` (e.g. a header patched once the length is known). */
  writeAt(bytes: Uint8Array, position: number): void;
  /** fsync, rename over `path`, fsync the folder. */
  commit(): void;
  /** Closes and removes the temporary file; `path` is left as it was. Safe to call twice or after commit. */
  abort(): void;
  /** Closes but keeps the temporary file (fsynced if possible) for a later run to resume; never throws. */
  keep(): void;
};

export type AtomicFileOptions = {
  /** The temporary file; default `<path>.tmp-<pid>` (same folder, so the rename never crosses filesystems). */
  tempPath?: string;
  /** Continue an existing temporary file instead of truncating it (a resumed download). */
  append?: boolean;
  /**
   * The temporary file is worth keeping when a write fails (a download resumes from its length): a failed
   * step closes and keeps it instead of removing it. Default: removed, as a half-written file is worth nothing.
   */
  resumable?: boolean;
};

/** Every byte of `bytes` at `position` (null: the file position), looping over short writes. */
function writeAll(fd: number, bytes: Uint8Array, position: number | null): void {
  let at = 0;
  while (at < bytes.length) {
    const n = writeSync(fd, bytes, at, bytes.length - at, position === null ? null : position + at);
    if (n <= 0) throw new Error(`wrote ${at} of ${bytes.length} bytes (is the disk full?)`);
    at += n;
  }
}

function fsyncFolder(path: string): void {
  // Some filesystems (and platforms) refuse fsync on a folder; the rename has happened either way.
  try {
    const fd = openSync(dirname(path), "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}

/** Opens a temporary file for `path`; see AtomicFile. */
export function openAtomicFile(path: string, opts: AtomicFileOptions = {}): AtomicFile {
  const tempPath = opts.tempPath ?? `${path}.tmp-${process.pid}`;
  let fd: number | null;
  try {
    fd = openSync(tempPath, opts.append ? "a" : "w");
  } catch (e) {
    throw new AtomicWriteError(path, e);
  }
  const close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  const abort = () => {
    try {
      close();
    } finally {
      rmSync(tempPath, { force: true });
    }
  };
  /** Runs one step on the open file; any failure aborts (or, resumable, keeps) and names the destination. */
  const step = (what: (fd: number) => void) => {
    if (fd === null) throw new AtomicWriteError(path, new Error("the file is already closed"));
    try {
      what(fd);
    } catch (e) {
      if (opts.resumable) file.keep();
      else abort();
      throw e instanceof AtomicWriteError ? e : new AtomicWriteError(path, e);
    }
  };
  const file: AtomicFile = {
    path,
    tempPath,
    write: (bytes) => step((fd) => writeAll(fd, bytes, null)),
    writeAt: (bytes, position) => step((fd) => writeAll(fd, bytes, position)),
    commit() {
      step((fd) => {
        fsyncSync(fd);
        close();
        renameSync(tempPath, path);
      });
      fsyncFolder(path);
    },
    abort,
    keep() {
      if (fd === null) return;
      try {
        fsyncSync(fd);
      } catch {
        // Best effort: keep() runs on a failure path, and a resumed download re-checks the file's length.
      } finally {
        close();
      }
    },
  };
  return file;
}

/** Writes `bytes` to `path` atomically: a crash leaves the old file or the new one, never half of one. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const file = openAtomicFile(path);
  file.write(bytes);
  file.commit();
}

/** A file that only grows, a whole record at a time: a failed append leaves the file as it was before it. */
export type AppendFile = {
  readonly path: string;
  /** Appends all of `bytes` or nothing (a short write is cut back off) and throws an AtomicWriteError. */
  append(bytes: Uint8Array): void;
  /** fsync: every record appended so far survives a crash. */
  sync(): void;
  close(): void;
};

export function openAppendFile(path: string): AppendFile {
  let fd: number | null;
  try {
    fd = openSync(path, "a");
  } catch (e) {
    throw new AtomicWriteError(path, e);
  }
  const open = () => {
    if (fd === null) throw new AtomicWriteError(path, new Error("the file is already closed"));
    return fd;
  };
  return {
    path,
    append(bytes) {
      const f = open();
      const before = fstatSync(f).size;
      try {
        writeAll(f, bytes, null);
      } catch (e) {
        try {
          ftruncateSync(f, before);
        } catch {}
        throw new AtomicWriteError(path, e);
      }
    },
    sync() {
      try {
        fsyncSync(open());
      } catch (e) {
        throw e instanceof AtomicWriteError ? e : new AtomicWriteError(path, e);
      }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

const TEMP_NAME = /\.tmp-(\d+)$/;

/** Whether a process with this id runs on this machine (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Removes the temporary files (`NAME.tmp-<pid>`) in `dir` whose writer is no longer running — what a writer
 * killed with -9 leaves behind, as large as the file it was writing — only those of the names in `only` when
 * given (a folder this project does not own). Returns what it removed.
 */
export function removeStaleTempFiles(dir: string, only?: readonly string[]): { path: string; bytes: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: { path: string; bytes: number }[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    const pid = Number(m?.[1] ?? Number.NaN);
    if (!m || (only && !only.includes(name.slice(0, m.index)))) continue;
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    const path = join(dir, name);
    try {
      const bytes = statSync(path).size;
      rmSync(path);
      removed.push({ path, bytes });
    } catch {}
  }
  return removed;
}
