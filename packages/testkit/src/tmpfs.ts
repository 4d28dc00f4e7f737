// A small tmpfs for tests of full disks: mounted when the tests run as root, otherwise each test that
// needs it skips with a message. One mount per test file; every test gets a fresh folder on it.
import { afterAll, beforeAll, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Registers the mount for this test file; `onTmpfs(name, body)` runs `body` in a folder on it. */
export function tmpfsTests(sizeMb: number) {
  const root = mkdtempSync(join(tmpdir(), "tmpfs-"));
  const mnt = join(root, "mnt");
  let mounted = false;
  beforeAll(() => {
    if (process.getuid?.() !== 0) return;
    mkdirSync(mnt);
    mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", mnt]).status === 0;
  });
  afterAll(() => {
    if (mounted) spawnSync("umount", ["-l", mnt]);
    rmSync(root, { recursive: true, force: true });
  });
  return function onTmpfs(name: string, body: (dir: string) => Promise<void> | void) {
    test(name, async () => {
      if (!mounted) {
        console.warn(`skipped "${name}": needs root to mount a ${sizeMb} MB tmpfs`);
        return;
      }
      const dir = join(mnt, name.replace(/\W+/g, "-").slice(0, 40));
      mkdirSync(dir);
      try {
        await body(dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  };
}

/** Fills the filesystem holding `dir` with one file until `leave` bytes are free; returns the filler's path. */
export function fillDisk(dir: string, leave: number): string {
  const path = join(dir, "filler");
  const { bavail, bsize } = statfsSync(dir);
  let left = bavail * bsize - leave;
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(1 << 16);
  try {
    while (left > 0) left -= writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } finally {
    closeSync(fd);
  }
  return path;
}
