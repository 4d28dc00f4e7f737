// One training process per run folder: `<out>/.lock` holds the owner's pid, host and start time, and on Linux
// the boot and the tick the process started at. It is written to a temporary file and published with link(2),
// which fails when the name exists, so two processes can never both take it and a reader never sees half of
// it. A lock whose process no longer runs on this host (kill -9, a crash, a power cut; its pid since reused by
// another process, or by this one after a container restart) is stale and is cleared with a message; any
// other is refused, naming the folder and the process. Released on every way out: return, error, process.exit
// (an 'exit' handler).
// Leaves out: locks over NFS from other hosts (refused, with how to clear one by hand).
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { AtomicWriteError, processAlive, writeFileAtomic } from "../io/atomic-file.ts";
import { ConfigError } from "./config.ts";

export class RunLockError extends Error {
  override name = "RunLockError";
}

export type RunLock = {
  readonly path: string;
  /** Removes the lock (only if it is still ours). Safe to call twice. */
  release(): void;
  /** Releases, and removes the run folder again if this lock created it and it is still empty. */
  abandon(): void;
};

/** `bootId` and `processStart` (clock ticks after boot) tell the holder from a later process given its pid. */
type Holder = { pid: number; hostname: string; startedAt: string; bootId?: string; processStart?: number };

/** Locks this process holds, by path: a lock naming this process's pid is stale unless listed here. */
const heldHere = new Set<string>();

/** This boot's id and the tick process `pid` started at (Linux's /proc), or null where they cannot be read. */
function processIdentity(pid: number): { bootId: string; processStart: number } | null {
  try {
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime); the command name before it is in parentheses and may hold spaces.
    const processStart = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return bootId !== "" && Number.isSafeInteger(processStart) ? { bootId, processStart } : null;
  } catch {
    return null;
  }
}

/** Whether the process that took a lock on this host is gone, even where its pid now names another one. */
function holderGone(path: string, h: Holder): boolean {
  if (h.pid === process.pid) return !heldHere.has(resolve(path));
  if (!processAlive(h.pid)) return true;
  const now = h.bootId !== undefined && h.processStart !== undefined ? processIdentity(h.pid) : null;
  return now !== null && (now.bootId !== h.bootId || now.processStart !== h.processStart);
}

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as Holder;
    return Number.isSafeInteger(h.pid) && typeof h.hostname === "string" ? h : null;
  } catch {
    return null;
  }
}

const sameHolder = (a: Holder | null, b: Holder | null) =>
  a !== null && b !== null && a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;

/** Creates `out` when needed; a path that is a file, or under one, is a ConfigError saying so. */
function makeFolder(out: string): string | undefined {
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new ConfigError(`--out ${out} is a file, not a folder; pass a folder for the run (e.g. runs/NAME)`);
  }
  try {
    return mkdirSync(out, { recursive: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why =
      code === "ENOTDIR" || code === "EEXIST"
        ? "a part of the path is a file"
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "no permission to write there"
          : (e as Error).message;
    throw new ConfigError(`cannot create the run folder ${out}: ${why}; choose another --out`);
  }
}

/** Why `out` is in use by `holder` (a live process, or one on another host); null for a stale lock. */
function inUse(out: string, holder: Holder | null): RunLockError | null {
  const path = join(out, ".lock");
  if (holder === null) {
    return new RunLockError(
      `run folder ${out} is locked by a process this one cannot identify (${path} is unreadable); if no ` +
        `training runs there, delete ${path}`,
    );
  }
  const here = holder.hostname === hostname();
  if (here && holderGone(path, holder)) return null;
  const where = here ? "" : ` on host ${holder.hostname}`;
  return new RunLockError(
    `run folder ${out} is in use by another training process (pid ${holder.pid}${where}, started ` +
      `${holder.startedAt}); wait for it to finish or choose another --out` +
      (here ? "" : ` (if that process is gone, delete ${path})`),
  );
}

/** Throws the RunLockError of a folder another run holds (checked early, before other refusals). */
export function checkRunFolderFree(out: string): void {
  const path = join(out, ".lock");
  if (!existsSync(path)) return;
  const refusal = inUse(out, readHolder(path));
  if (refusal) throw refusal;
}

/** Takes the lock of run folder `out`; `note` reports a stale lock it cleared. Throws RunLockError if held. */
export function lockRunFolder(out: string, note: (message: string) => void): RunLock {
  const created = makeFolder(out);
  const path = join(out, ".lock");
  const me: Holder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    ...processIdentity(process.pid),
  };
  const temp = `${path}.tmp-${process.pid}`;
  try {
    writeFileAtomic(temp, new TextEncoder().encode(`${JSON.stringify(me)}\n`));
  } catch (e) {
    // The lock is the run's first write: a folder it cannot write in is named as the --out to change.
    if (!(e instanceof AtomicWriteError && (e.code === "EACCES" || e.code === "EPERM" || e.code === "EROFS"))) throw e;
    const why = e.code === "EROFS" ? "it is on a read-only file system" : "no permission to write there";
    throw new ConfigError(`cannot write in the run folder ${out}: ${why}; choose another --out`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, path);
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST" || attempt >= 3) throw e;
      }
      const holder = readHolder(path);
      const refusal = inUse(out, holder);
      if (refusal || holder === null) throw refusal;
      clearStale(path, holder);
      note(`removed a stale lock on ${out}: pid ${holder.pid} (started ${holder.startedAt}) is no longer running`);
    }
  } finally {
    rmSync(temp, { force: true });
  }
  let held = true;
  heldHere.add(resolve(path));
  const release = () => {
    if (!held) return;
    held = false;
    heldHere.delete(resolve(path));
    process.off("exit", release);
    if (sameHolder(readHolder(path), me)) rmSync(path, { force: true });
  };
  process.on("exit", release);
  return {
    path,
    release,
    abandon() {
      release();
      if (created === undefined) return;
      // Empty folders this lock created, innermost first; rmdir refuses anything that holds a file.
      for (let p = resolve(out); ; p = dirname(p)) {
        try {
          rmdirSync(p);
        } catch {
          return;
        }
        if (p === resolve(created)) return;
      }
    },
  };
}

/**
 * Removes a stale lock without racing another process clearing it: the lock is renamed away (only one
 * rename of it can succeed) and deleted only if it is still the stale one; a fresh lock taken meanwhile is
 * linked back.
 */
function clearStale(path: string, stale: Holder): void {
  const grabbed = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, grabbed);
  } catch {
    return;
  }
  if (!sameHolder(readHolder(grabbed), stale)) {
    try {
      linkSync(grabbed, path);
    } catch {}
  }
  rmSync(grabbed, { force: true });
}
