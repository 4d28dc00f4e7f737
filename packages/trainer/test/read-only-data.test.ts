// Token arrays the trainer may not write to: a file of mode 0444 opened by a user who does not own it, and
// files on a read-only mount. Training and evaluation only read them, so both must work. Root ignores mode
// bits, so the 0444 case runs in a child as `nobody`; the read-only mount needs root (mount -o remount,ro).
// A run folder on a read-only mount is refused up front. Each case skips with a message where the machine
// cannot set it up.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openNpy, writeNpy } from "../src/data/npy.ts";
import { scanTokenArray } from "../src/data/validate.ts";
import { fixture, run } from "./support/loop-fixture.ts";

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), "ro-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `fill(mnt)` on a fresh 1 MB tmpfs, remounts it read-only, then runs `use(mnt)`, and unmounts it; skips
 * with a message where it cannot be set up (not root, no mount). Lazy unmount: a test's own mapping of a file
 * there keeps the mount busy until the collector frees it.
 */
async function onReadOnlyMount(name: string, fill: (mnt: string) => void, use: (mnt: string) => Promise<void>) {
  if (!isRoot) {
    console.warn("skipped: a read-only tmpfs needs root (mount -t tmpfs; mount -o remount,ro)");
    return;
  }
  const mnt = join(dir, name);
  mkdirSync(mnt);
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
  if (mounted.status !== 0) {
    console.warn(`skipped: cannot mount a tmpfs here (${mounted.stderr.toString().trim()})`);
    return;
  }
  try {
    fill(mnt);
    expect(spawnSync("mount", ["-o", "remount,ro", mnt]).status).toBe(0);
    await use(mnt);
  } finally {
    spawnSync("umount", ["-l", mnt]);
  }
}

const ids = Uint16Array.from({ length: 5000 }, (_, i) => (i * 7) % 24);
const idSum = ids.reduce((a, b) => a + b, 0);

describe("read-only token arrays", () => {
  test("a 0444 file owned by someone else opens (no write access asked for)", () => {
    const path = join(dir, "shared", "tokens.npy");
    mkdirSync(join(dir, "shared"));
    writeNpy(path, ids);
    chmodSync(path, 0o444);
    expect([...openNpy(path).data.subarray(0, 5)]).toEqual([...ids.subarray(0, 5)]);
    if (!isRoot) {
      console.warn("skipped the other-user case: it needs root to run a child as nobody");
      return;
    }
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "shared"), 0o755);
    const child = join(import.meta.dir, "support", "open-npy-child.ts");
    const p = spawnSync(process.execPath, [child, path], { uid: 65534, gid: 65534, cwd: "/" });
    expect(p.status).toBe(0);
    expect(JSON.parse(p.stdout.toString())).toEqual({ length: ids.length, sum: idSum });
  });

  test("token arrays on a read-only mount can be trained on and scanned", async () => {
    await onReadOnlyMount(
      "ro",
      (mnt) => {
        writeNpy(join(mnt, "train.npy"), ids);
        writeNpy(join(mnt, "val.npy"), ids.subarray(0, 1000));
      },
      async (mnt) => {
        const f = fixture({ maxSteps: 4, evalEvery: 2, checkpointEvery: 4 });
        const { data } = openNpy(join(mnt, "val.npy"));
        expect(scanTokenArray(data, 24, "val.npy")).toEqual({ length: 1000, maxId: 23 });
        const r = await run(f.preset, { train: join(mnt, "train.npy"), val: join(mnt, "val.npy") }, null);
        expect(r.status).toBe("completed");
        expect(r.step).toBe(4);
      },
    );
  });
});

describe("a read-only run folder", () => {
  test("is refused before training, naming the folder and --out, and left as it was", async () => {
    await onReadOnlyMount(
      "ro-out",
      (mnt) => mkdirSync(join(mnt, "run")),
      async (mnt) => {
        const f = fixture({ maxSteps: 4 });
        await expect(run(f.preset, { out: join(mnt, "run") }, null)).rejects.toThrow(
          `cannot write in the run folder ${join(mnt, "run")}: it is on a read-only file system; choose another --out`,
        );
        expect(readdirSync(join(mnt, "run"))).toEqual([]);
      },
    );
  });
});
