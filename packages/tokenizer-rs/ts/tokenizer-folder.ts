// Putting a tokenizer folder on disk as one unit: vocab.json, merges.txt and tokenizer.json are written
// into a new sibling folder `<dir>.tmp-<pid>` (every byte taken, each file fsynced, then the folder), which
// is then swapped in: the old folder renamed aside, the new one renamed in, the old one removed (on a
// failure the old one is renamed back). A reader sees the old set or the new one, never a mix. The
// package keeps its own writer (the application's is the trainer's io/atomic-file.ts, which it cannot use).
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fsErrorWords } from "./fs-error.ts";

/** The files of a tokenizer folder. */
export const TOKENIZER_FILES = ["vocab.json", "merges.txt", "tokenizer.json"] as const;

/** Why a write failed, in words: a full disk says so. */
function writeWords(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "the disk is full (no space left on device)";
  return fsErrorWords(e);
}

/** A file's content: its bytes, or its chunks in order (written as they come, never held whole). */
export type FileContent = Uint8Array | Iterable<Uint8Array>;

/** Writes every byte of `content` to a new file at `path` and fsyncs it; a short write is an error. */
function writeSynced(path: string, content: FileContent, shownAs: string): void {
  let fd = -1;
  try {
    fd = openSync(path, "wx");
    let written = 0;
    for (const bytes of content instanceof Uint8Array ? [content] : content) {
      for (let at = 0; at < bytes.length; ) {
        const n = writeSync(fd, bytes, at, bytes.length - at);
        if (n <= 0) {
          const of = content instanceof Uint8Array ? ` of ${bytes.length}` : "";
          throw new Error(`wrote ${written + at}${of} bytes; the disk is full`);
        }
        at += n;
      }
      written += bytes.length;
    }
    fsyncSync(fd);
  } catch (e) {
    throw new Error(`cannot write ${shownAs}: ${e instanceof Error && !("code" in e) ? e.message : writeWords(e)}`, {
      cause: e,
    });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Best effort: some filesystems refuse fsync on a folder; the renames happened either way. */
function fsyncFolder(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}

/**
 * Writes `text` to `path` atomically: a temporary file beside it, every byte taken, fsynced, renamed over
 * `path`, then the folder fsynced. On failure the temporary file is removed and `path` is left as it was.
 */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeSynced(tmp, new TextEncoder().encode(text), path);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncFolder(dirname(path));
}

/**
 * What `dir` holds before a tokenizer is saved there: nothing yet ("new": missing or empty) or a tokenizer
 * ("tokenizer"). Throws, naming `dir` as `label`, where no tokenizer folder can be published: a file, a
 * folder holding other files, or a place where the sibling folder cannot be created (probed by creating
 * and removing it, which creates the missing parents).
 */
export function checkTokenizerFolder(dir: string, label: string = dir): "new" | "tokenizer" {
  const path = resolve(dir);
  let state: "new" | "tokenizer" = "new";
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new Error(`${label} is a file; give a folder (it is created if missing)`);
    const names = readdirSync(path);
    const other = names.filter((n) => !(TOKENIZER_FILES as readonly string[]).includes(n));
    if (other.length > 0) {
      const shown = other.slice(0, 5).join(", ") + (other.length > 5 ? `, … (${other.length} in all)` : "");
      throw new Error(`${label} holds files that are not a tokenizer's (${shown}); give a folder of its own`);
    }
    if (names.length > 0) state = "tokenizer";
  }
  for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
    if (existsSync(p) && !statSync(p).isDirectory()) throw new Error(`cannot create ${label}: ${p} is a file`);
  }
  const probe = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    const parent = dirname(path);
    const broken = lstatSafe(parent)?.isSymbolicLink() && !existsSync(parent);
    throw new Error(`cannot create ${label}: ${broken ? `${parent} is a link to nothing` : fsErrorWords(e)}`);
  }
  return state;
}

function lstatSafe(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Publishes `files` (name → bytes or chunks) as the whole content of folder `dir`, replacing what was
 * there as one unit (see the top of this file). On failure `dir` is as it was and no sibling folder is left.
 */
export function publishFolder(dir: string, files: Record<string, FileContent>): void {
  const path = resolve(dir);
  const parent = dirname(path);
  const tmp = `${path}.tmp-${process.pid}`;
  const old = `${path}.old-${process.pid}`;
  mkdirSync(parent, { recursive: true });
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    for (const [name, bytes] of Object.entries(files)) writeSynced(join(tmp, name), bytes, join(dir, name));
    fsyncFolder(tmp);
    if (!existsSync(path)) renameSync(tmp, path);
    else {
      rmSync(old, { recursive: true, force: true });
      renameSync(path, old);
      try {
        renameSync(tmp, path);
      } catch (e) {
        renameSync(old, path);
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof Error && e.message.startsWith("cannot write")) throw e;
    throw new Error(`cannot write ${dir} (${basename(tmp)} beside it): ${writeWords(e)}`, { cause: e });
  }
  fsyncFolder(parent);
}
