// One training process per run folder (run/run-lock.ts): a second run into a folder in use is refused with
// the folder and the pid holding it, a lock left by a dead process is cleared with a message, the lock goes
// on every way out, and temporary files of killed writers are removed when a run starts or resumes. Also
// `--out` naming a file.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { planRun, runTraining } from "../src/loop/run-training.ts";
import { manualInterrupt } from "../src/loop/interrupt.ts";
import type { RunConfigInput } from "../src/run/config.ts";
import { checkpointPath, listCheckpoints, runPaths } from "../src/run/run-dir.ts";
import { fixture, run } from "./support/loop-fixture.ts";
import { toyEngine } from "./support/toy-engine.ts";

/** A pid that surely runs no process: one that has just exited. */
function deadPid(): number {
  return Bun.spawnSync(["true"]).pid;
}

/** planRun + runTraining with the toy engine, collecting what the run prints. */
async function runLogged(preset: string, overrides: RunConfigInput, resume: string | null = null) {
  const log: string[] = [];
  const plan = planRun({ preset, overrides, resume });
  const result = await runTraining(plan, {
    engineFactory: async (c) => toyEngine(c),
    argv: [],
    stderr: { write: (s) => log.push(s), isTTY: false },
    interrupt: manualInterrupt(() => false),
  });
  return { result, log: log.join("") };
}

describe("run folder lock", () => {
  test("a second run into a folder in use is refused, naming the folder and the pid", async () => {
    const f = fixture({ maxSteps: 400, checkpointEvery: 0, evalEvery: 0, stepsPerRun: 2 });
    const first = Bun.spawn(["bun", join(import.meta.dir, "support", "signal-child.ts"), f.preset], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, STEP_MS: "20" },
    });
    try {
      const metrics = runPaths(f.out).metrics;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !(existsSync(metrics) && readFileSync(metrics, "utf8").length > 0)) {
        await Bun.sleep(10);
      }
      const lines = () => readFileSync(metrics, "utf8").split("\n").length;
      const before = lines();
      await expect(run(f.preset, {}, null)).rejects.toThrow(
        new RegExp(`run folder ${f.out} is in use by another training process \\(pid ${first.pid}, started `),
      );
      // The refused run wrote nothing: the first one's log keeps growing on its own.
      await Bun.sleep(100);
      expect(lines()).toBeGreaterThan(before);
      expect(JSON.parse(readFileSync(join(f.out, ".lock"), "utf8")).pid).toBe(first.pid);
    } finally {
      first.kill("SIGINT");
    }
    expect(await first.exited).toBe(130);
    expect(existsSync(join(f.out, ".lock"))).toBe(false);
  });

  test("a folder in use is named as such even when it already holds checkpoints (fresh start or resume)", async () => {
    const f = fixture({ maxSteps: 4 });
    await run(f.preset, {}, null);
    const live = Bun.spawn(["sleep", "30"]);
    try {
      writeFileSync(join(f.out, ".lock"), JSON.stringify({ pid: live.pid, hostname: hostname(), startedAt: "t0" }));
      const inUse = `run folder ${f.out} is in use by another training process (pid ${live.pid}, started t0)`;
      expect(() => planRun({ preset: f.preset, overrides: {}, resume: null })).toThrow(inUse);
      expect(() => planRun({ preset: f.preset, overrides: { maxSteps: 8 }, resume: "auto" })).toThrow(inUse);
    } finally {
      live.kill();
    }
  });

  test("a lock left by a dead process is cleared with a message; the lock goes when the run ends", async () => {
    const f = fixture({ maxSteps: 4 });
    mkdirSync(f.out);
    const pid = deadPid();
    const stale = { pid, hostname: hostname(), startedAt: "2024-01-01T00:00:00.000Z" };
    writeFileSync(join(f.out, ".lock"), JSON.stringify(stale));
    const { result, log } = await runLogged(f.preset, {});
    expect(result.status).toBe("completed");
    expect(log).toContain(`removed a stale lock on ${f.out}: pid ${pid} (started 2024-01-01T00:00:00.000Z)`);
    expect(existsSync(join(f.out, ".lock"))).toBe(false);
  });

  test("a lock naming this process's pid, which it does not hold, is stale (a container restarted with the same pids)", async () => {
    const f = fixture({ maxSteps: 4 });
    mkdirSync(f.out);
    const stale = { pid: process.pid, hostname: hostname(), startedAt: "2024-01-01T00:00:00.000Z" };
    writeFileSync(join(f.out, ".lock"), JSON.stringify(stale));
    const { result, log } = await runLogged(f.preset, {});
    expect(result.status).toBe("completed");
    expect(log).toContain(`removed a stale lock on ${f.out}: pid ${process.pid} (started 2024-01-01T00:00:00.000Z)`);
    expect(existsSync(join(f.out, ".lock"))).toBe(false);
  });

  test("a lock whose pid now names another, later process is stale (pid reuse); its own process holds it", async () => {
    const f = fixture({ maxSteps: 4 });
    mkdirSync(f.out);
    const live = Bun.spawn(["sleep", "30"]);
    try {
      const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      const stat = readFileSync(`/proc/${live.pid}/stat`, "utf8");
      const processStart = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
      const holder = { pid: live.pid, hostname: hostname(), startedAt: "t0", bootId, processStart };
      writeFileSync(join(f.out, ".lock"), JSON.stringify(holder));
      expect(() => planRun({ preset: f.preset, overrides: {}, resume: null })).toThrow(
        `run folder ${f.out} is in use by another training process (pid ${live.pid}, started t0)`,
      );
      writeFileSync(join(f.out, ".lock"), JSON.stringify({ ...holder, processStart: processStart - 1 }));
      const { result, log } = await runLogged(f.preset, {});
      expect(result.status).toBe("completed");
      expect(log).toContain(`removed a stale lock on ${f.out}: pid ${live.pid} (started t0)`);
      expect(existsSync(join(f.out, ".lock"))).toBe(false);
    } finally {
      live.kill();
    }
  });

  test("a lock from another host is refused with how to clear it", async () => {
    const f = fixture({ maxSteps: 4 });
    mkdirSync(f.out);
    writeFileSync(join(f.out, ".lock"), JSON.stringify({ pid: 1234, hostname: "elsewhere", startedAt: "x" }));
    await expect(run(f.preset, {}, null)).rejects.toThrow(
      new RegExp(`pid 1234 on host elsewhere.*if that process is gone, delete ${join(f.out, ".lock")}`),
    );
    expect(existsSync(join(f.out, ".lock"))).toBe(true);
  });

  test("a run that fails during setup releases the lock and removes the folder it created", async () => {
    const f = fixture({ maxSteps: 4 });
    await expect(run(f.preset, { model: { vocabSize: 5 } }, null)).rejects.toThrow(/not in \[0, 5\)/);
    expect(existsSync(f.out)).toBe(false);
    mkdirSync(f.out);
    await expect(run(f.preset, { model: { vocabSize: 5 } }, null)).rejects.toThrow(/not in \[0, 5\)/);
    expect(existsSync(join(f.out, ".lock"))).toBe(false);
    expect(existsSync(f.out)).toBe(true); // not created by the run: left in place
  });

  test("--out naming a file, or a path under one, is a clear error", async () => {
    const f = fixture({ maxSteps: 4 });
    writeFileSync(join(f.dir, "file"), "x");
    await expect(run(f.preset, { out: join(f.dir, "file") }, null)).rejects.toThrow(
      `--out ${join(f.dir, "file")} is a file, not a folder; pass a folder for the run`,
    );
    await expect(run(f.preset, { out: join(f.dir, "file", "run") }, null)).rejects.toThrow(
      `cannot create the run folder ${join(f.dir, "file", "run")}: a part of the path is a file; choose another --out`,
    );
  });
});

describe("temporary files of killed runs", () => {
  test("a fresh run and a resume remove those of dead pids (with a message) and keep live ones", async () => {
    const f = fixture({ maxSteps: 8, checkpointEvery: 4 });
    mkdirSync(runPaths(f.out).checkpoints, { recursive: true });
    const live = Bun.spawn(["sleep", "30"]);
    try {
      const dead = deadPid();
      const deadCkpt = `${checkpointPath(f.out, 4)}.tmp-${dead}`;
      const deadMetrics = join(f.out, `metrics.jsonl.tmp-${dead}`);
      const liveCkpt = `${checkpointPath(f.out, 4)}.tmp-${live.pid}`;
      for (const p of [deadCkpt, deadMetrics, liveCkpt]) writeFileSync(p, new Uint8Array(3 << 20));
      const fresh = await runLogged(f.preset, { maxSteps: 4 });
      expect(fresh.log).toContain(`removed ${deadCkpt} (3.0 MiB), a temporary file left by a killed process`);
      expect(fresh.log).toContain(`removed ${deadMetrics} (3.0 MiB)`);
      expect(existsSync(deadCkpt) || existsSync(deadMetrics)).toBe(false);
      expect(existsSync(liveCkpt)).toBe(true);

      const again = `${checkpointPath(f.out, 8)}.tmp-${deadPid()}`;
      writeFileSync(again, "x");
      const resumed = await runLogged(f.preset, {}, "auto");
      expect(resumed.result.step).toBe(8);
      expect(resumed.log).toContain(`removed ${again}`);
      expect(existsSync(again)).toBe(false);
      expect(listCheckpoints(f.out).map((c) => c.step)).toEqual([4, 8]);
    } finally {
      live.kill();
    }
  });
});
