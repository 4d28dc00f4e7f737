// Signals with the real handlers in a child process: the first SIGINT finishes the graph run in flight, saves
// a checkpoint and exits 130; SIGTERM and SIGHUP do the same and exit 143 and 129. A repeat within a second is
// the same Ctrl-C delivered twice (a terminal signals `bun run` too, which forwards it) and is ignored; a
// deliberate second one later aborts at once without writing a checkpoint.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint } from "../src/run/checkpoint.ts";
import { listCheckpoints, runPaths } from "../src/run/run-dir.ts";
import { fixture } from "./support/loop-fixture.ts";

async function startAndWait(stepsBeforeSignal: number, stepMs = 20) {
  const f = fixture({ maxSteps: 400, checkpointEvery: 0, evalEvery: 0, stepsPerRun: 2 });
  const child = Bun.spawn(["bun", join(import.meta.dir, "support", "signal-child.ts"), f.preset], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, STEP_MS: String(stepMs) },
  });
  const metrics = runPaths(f.out).metrics;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const lines = existsSync(metrics) ? readFileSync(metrics, "utf8").split("\n").length - 1 : 0;
    if (lines >= stepsBeforeSignal) break;
    await Bun.sleep(10);
  }
  return { f, child };
}

describe("Ctrl-C", () => {
  test("the first SIGINT saves a checkpoint at a step boundary and exits 130", async () => {
    const { f, child } = await startAndWait(6);
    child.kill("SIGINT");
    const code = await child.exited;
    const out = await new Response(child.stdout).text();
    const err = await new Response(child.stderr).text();
    expect(code).toBe(130);
    expect(err).toContain("interrupted: finishing the current steps and saving a checkpoint");
    const [status, step] = out.trim().split(" ");
    expect(status).toBe("interrupted");
    const saved = listCheckpoints(f.out);
    expect(saved.map((c) => c.step)).toEqual([Number(step)]);
    expect(loadCheckpoint(saved[0]!.path).iteration).toBe(Number(step));
    expect(Number(step) % 2).toBe(0);
    expect(existsSync(join(f.out, ".lock"))).toBe(false);
  });

  test("a second SIGINT aborts without saving", async () => {
    // Slow steps (2 s per graph run) so the second signal, past the 1 s grace, lands while the first waits.
    const { f, child } = await startAndWait(2, 1000);
    const reader = child.stderr.getReader();
    let err = "";
    child.kill("SIGINT");
    while (!err.includes("interrupted:")) {
      const { value, done } = await reader.read();
      if (done) break;
      err += new TextDecoder().decode(value);
    }
    await Bun.sleep(1100);
    child.kill("SIGINT");
    expect(await child.exited).toBe(130);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      err += new TextDecoder().decode(value);
    }
    expect(err).toContain("aborted: no checkpoint written");
    expect(listCheckpoints(f.out)).toEqual([]);
    expect(existsSync(join(f.out, ".lock"))).toBe(false); // released by process.exit's 'exit' handler
  });

  test("the same Ctrl-C arriving twice (the terminal's copy and bun run's) still saves", async () => {
    const { f, child } = await startAndWait(2, 250);
    child.kill("SIGINT");
    await Bun.sleep(50);
    child.kill("SIGINT");
    expect(await child.exited).toBe(130);
    const err = await new Response(child.stderr).text();
    expect(err).toContain("(press Ctrl-C again to abort without saving)");
    expect(err).not.toContain("aborted");
    expect(listCheckpoints(f.out).length).toBe(1);
  });

  test.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s saves a checkpoint at a step boundary and exits %d", async (signal, code) => {
    const { f, child } = await startAndWait(4);
    child.kill(signal);
    expect(await child.exited).toBe(code);
    const out = await new Response(child.stdout).text();
    const err = await new Response(child.stderr).text();
    expect(err).toContain(`interrupted by ${signal}`);
    const step = Number(out.trim().split(" ")[1]);
    expect(listCheckpoints(f.out).map((c) => c.step)).toEqual([step]);
    expect(loadCheckpoint(listCheckpoints(f.out)[0]!.path).iteration).toBe(step);
  });
});
