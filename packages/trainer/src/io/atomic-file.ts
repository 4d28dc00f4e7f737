// The one way this project puts a file on disk: write to a temporary file in the destination's folder, loop
// until writeSync has taken every byte (a full disk shows first as a short write), fsync the file, rename it
// over the destination, then fsync the folder so the rename itself survives a crash. A failure removes the
// temporary file and throws an AtomicWriteError naming the destination; the old file, if any, is untouched.
// Leaves out: locking (two writers of one path each publish a whole file; the last rename wins).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

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
  /** Runs one step on the open file; any failure aborts and names the destination. */
  const step = (what: (fd: number) => void) => {
    if (fd === null) throw new AtomicWriteError(path, new Error("the file is already closed"));
    try {
      what(fd);
    } catch (e) {
      abort();
      throw e instanceof AtomicWriteError ? e : new AtomicWriteError(path, e);
    }
  };
  return {
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
}

/** Writes `bytes` to `path` atomically: a crash leaves the old file or the new one, never half of one. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const file = openAtomicFile(path);
  file.write(bytes);
  file.commit();
}
