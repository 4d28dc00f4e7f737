// Ctrl-C as a terminal sends it, through `bun run cli train` (the README's command): the terminal signals the
// whole foreground process group — `bun run` and the trainer — and `bun run` forwards its copy, so the trainer
// sees the one keypress twice. It must still save a checkpoint and exit 130. Killing the `bun run` wrapper
// (even with SIGKILL) must not leave the trainer running on in the folder: it saves and exits by itself.
// Each test starts the wrapper in a process group of its own (detached), as a shell's job control does.
import { describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { listCheckpoints, loadCheckpoint, runPaths, writeNpy } from "@cs336-ts/trainer";

const ROOT = resolve(import.meta.dir, "../../..");

function tinyRun() {
  const d = mkdtempSync(join(tmpdir(), "train-signals-"));
  writeNpy(
    join(d, "train.npy"),
    Uint16Array.from({ length: 2000 }, (_, i) => (i * 7) % 50),
  );
  const out = join(d, "run");
  const args = ["--config", "configs/tinystories-cpu.json", "--train", join(d, "train.npy"), "--val", "none"];
  args.push("--out", out, "--vocab-size", "64", "--context-length", "32", "--d-model", "32", "--num-layers", "1");
  args.push("--num-heads", "2", "--d-ff", "64", "--batch-size", "32", "--max-steps", "1000000", "--warmup-steps", "1");
  // Graph runs of 100 steps (about half a second here), so a signal lands while one is in flight.
  args.push("--steps-per-run", "100", "--eval-every", "0", "--checkpoint-every", "0", "--threads", "1");
  return { out, args };
}

/** `bun run cli train …` in a process group of its own; resolves once training has logged `lines` steps. */
async function startWrapped(out: string, args: string[], lines = 100) {
  const child = spawn("bun", ["run", "cli", "train", ...args], { cwd: ROOT, detached: true, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (b) => {
    stdout += b;
  });
  child.stderr?.on("data", (b) => {
    stderr += b;
  });
  // A shell reports a process killed by signal N as 128 + N (bun run re-raises a Ctrl-C it was sent).
  const exited = new Promise<number | null>((r) =>
    child.on("exit", (code, signal) => r(code ?? (signal ? 128 + constants.signals[signal] : null))),
  );
  const metrics = runPaths(out).metrics;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (existsSync(metrics) && readFileSync(metrics, "utf8").split("\n").length > lines) break;
    await Bun.sleep(20);
  }
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** The trainer: the wrapper's one child process (Linux's /proc lists it). */
function trainerOf(wrapper: ChildProcess): number {
  const pid = wrapper.pid as number;
  return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess) {
  try {
    process.kill(-(child.pid as number), "SIGKILL");
  } catch {}
}

describe("bun run cli train and signals", () => {
  test("one Ctrl-C to the process group (plus bun run's forwarded copy) saves and exits 130", async () => {
    const { out, args } = tinyRun();
    const { child, exited, output } = await startWrapped(out, args);
    try {
      const trainer = trainerOf(child);
      process.kill(-(child.pid as number), "SIGINT"); // the terminal: every process of the foreground group
      // bun run forwards its copy to the trainer a moment later; when the two arrive close enough the kernel
      // merges them, so the later copy is sent here explicitly to make the case certain.
      await Bun.sleep(30);
      if (alive(trainer)) process.kill(trainer, "SIGINT");
      expect(await exited).toBe(130);
      const { stdout, stderr } = output();
      expect(stderr).toContain("press Ctrl-C again to abort without saving");
      expect(stderr).not.toContain("aborted");
      expect(stdout).toMatch(/interrupted at step \d+; saved .*step-\d+\.safetensors \(continue with --resume auto\)/);
      // The closing summary names the interrupt, not the limit the run was planned to reach.
      expect(stdout).toMatch(/summary: [\d,]+ steps \(interrupted\), [\d,]+ tokens in /);
      const saved = listCheckpoints(out);
      expect(saved.length).toBe(1);
      expect(loadCheckpoint(saved[0]!.path).iteration).toBe(saved[0]!.step);
      expect(existsSync(join(out, ".lock"))).toBe(false);
    } finally {
      killGroup(child);
    }
  }, 90_000);

  test("SIGKILL of the bun run wrapper: the trainer saves a checkpoint and exits instead of running on", async () => {
    const { out, args } = tinyRun();
    const { child } = await startWrapped(out, args);
    const trainer = trainerOf(child);
    try {
      expect(trainer).toBeGreaterThan(0);
      process.kill(child.pid as number, "SIGKILL");
      const deadline = Date.now() + 30_000;
      while (alive(trainer) && Date.now() < deadline) await Bun.sleep(50);
      expect(alive(trainer)).toBe(false);
      expect(listCheckpoints(out).length).toBe(1);
      expect(existsSync(join(out, ".lock"))).toBe(false);
    } finally {
      killGroup(child);
      if (alive(trainer)) process.kill(trainer, "SIGKILL");
    }
  }, 90_000);
});
