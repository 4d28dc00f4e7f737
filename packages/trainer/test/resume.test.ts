// The training loop through its library entry points (planRun + runTraining) with the host toy engine:
// 20 steps straight vs 10 + resume 10 give bit-identical losses and parameters; a run interrupted mid-way
// resumes to the same result; a different architecture on resume is refused naming the fields; a fresh run
// into a folder with checkpoints is refused; a resume without --tokenizer keeps the run's, another is refused.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint } from "../src/run/checkpoint.ts";
import { manualInterrupt } from "../src/loop/interrupt.ts";
import { planRun, runTraining } from "../src/loop/run-training.ts";
import { readMetrics } from "../src/run/metrics.ts";
import { checkpointPath, latestCheckpoint, listCheckpoints, runPaths } from "../src/run/run-dir.ts";
import { fixture, run, V } from "./support/loop-fixture.ts";
import { toyEngine } from "./support/toy-engine.ts";

const trainLosses = (out: string) =>
  readMetrics(runPaths(out).metrics).flatMap((r) => (r.kind === "train" ? [[r.step, r.loss]] : []));
const valLosses = (out: string) =>
  readMetrics(runPaths(out).metrics).flatMap((r) => (r.kind === "val" ? [[r.step, r.valLoss]] : []));

/** A stand-in tokenizer folder: only its two files' bytes matter to the run's sha256. */
/** vocab.json of a stand-in tokenizer with the fixture model's vocabulary size (train refuses any other). */
const VOCAB = JSON.stringify(Object.fromEntries(Array.from({ length: V }, (_, id) => [`t${id}`, id])));

function tokenizerDir(parent: string, name: string, merges: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "vocab.json"), VOCAB);
  writeFileSync(join(dir, "merges.txt"), merges);
  return dir;
}

describe("resume", () => {
  // Graph runs are [0,4) [4,5) [5,8) [8,10) … (K=4, eval every 5): an interrupt lands after the run in flight.
  test.each([
    [10, 10],
    [6, 8],
  ])(
    "20 steps straight == interrupt after %i (stops at %i) + resume: identical losses and parameters",
    async (stopAfter, stopsAt) => {
      const a = fixture();
      const straight = await run(a.preset, {}, null);
      expect(straight.status).toBe("completed");
      expect(straight.step).toBe(20);

      const b = fixture();
      const first = await run(b.preset, {}, null, { stopAfter });
      expect(first.status).toBe("interrupted");
      expect(first.step).toBe(stopsAt);
      expect(first.checkpoint).toBe(checkpointPath(b.out, stopsAt));
      const resumed = await run(b.preset, {}, "auto");
      expect(resumed.status).toBe("completed");

      const la = trainLosses(a.out);
      expect(la.length).toBe(20);
      expect(trainLosses(b.out)).toEqual(la);
      expect(valLosses(b.out)).toEqual(valLosses(a.out));
      const ca = loadCheckpoint(checkpointPath(a.out, 20));
      const cb = loadCheckpoint(checkpointPath(b.out, 20));
      for (const [name, t] of Object.entries(ca.state.params)) expect(cb.state.params[name]!.data).toEqual(t.data);
      expect(cb.rng).toEqual(ca.rng);
      expect(la.at(-1)![1]!).toBeLessThan(la[0]![1]!); // it learns something
    },
  );

  test("resuming from an explicit periodic checkpoint matches too, and drops the metrics past it", async () => {
    const a = fixture();
    await run(a.preset, {}, null);
    const full = trainLosses(a.out);
    const again = await run(null, {}, checkpointPath(a.out, 10));
    expect(again.status).toBe("completed");
    expect(trainLosses(a.out)).toEqual(full);
  });

  test("resuming from an earlier checkpoint deletes the folder's later ones, so --resume auto follows the new run", async () => {
    const a = fixture({ checkpointEvery: 5 });
    await run(a.preset, {}, null);
    expect(listCheckpoints(a.out).map((c) => c.step)).toEqual([5, 10, 15, 20]);
    const notes: string[] = [];
    const plan = planRun({ preset: null, overrides: { maxSteps: 12, lrMax: 0.01 }, resume: checkpointPath(a.out, 5) });
    const branch = await runTraining(plan, {
      engineFactory: async (c) => toyEngine(c, {}),
      argv: [],
      stderr: { write: (m) => notes.push(m), isTTY: false },
      interrupt: manualInterrupt(() => false),
    });
    expect(branch.status).toBe("completed");
    expect(listCheckpoints(a.out).map((c) => c.step)).toEqual([5, 10, 12]);
    expect(latestCheckpoint(a.out)).toBe(checkpointPath(a.out, 12));
    expect(loadCheckpoint(checkpointPath(a.out, 12)).config?.lrMax).toBe(0.01);
    expect(notes.join("")).toMatch(
      /abandons the later checkpoints .*deleted step-0000010\.safetensors, step-0000015\.safetensors, step-0000020/,
    );
  });

  test("a resume whose metrics.jsonl holds a bad line fails before it changes the folder", async () => {
    const a = fixture({ checkpointEvery: 5 });
    await run(a.preset, { maxSteps: 10 }, null);
    const lines = readFileSync(runPaths(a.out).metrics, "utf8").split("\n");
    lines[3] = lines[3]!.slice(0, 20);
    writeFileSync(runPaths(a.out).metrics, lines.join("\n"));
    const info = readFileSync(runPaths(a.out).info, "utf8");
    await expect(run(a.preset, { maxSteps: 20 }, checkpointPath(a.out, 5))).rejects.toThrow(
      `${runPaths(a.out).metrics}:4: not a JSON line`,
    );
    expect(listCheckpoints(a.out).map((c) => c.step)).toEqual([5, 10]);
    expect(readFileSync(runPaths(a.out).info, "utf8")).toBe(info);
    expect(readFileSync(runPaths(a.out).metrics, "utf8")).toBe(lines.join("\n"));
  });

  test("--resume RUN_DIR takes the folder's newest checkpoint; an empty folder is an error", async () => {
    const a = fixture();
    await run(a.preset, { maxSteps: 10 }, null);
    const plan = planRun({ preset: null, overrides: { maxSteps: 20 }, resume: a.out });
    expect(plan.resumePath).toBe(checkpointPath(a.out, 10));
    expect(plan.config.out).toBe(a.out);
    expect(() => planRun({ preset: null, overrides: {}, resume: a.dir })).toThrow(/no checkpoints in/);
  });

  test("a different architecture is refused, naming the differing fields", async () => {
    const a = fixture();
    await run(a.preset, { maxSteps: 10 }, null);
    expect(() =>
      planRun({ preset: a.preset, overrides: { model: { dModel: 32, numLayers: 2 } }, resume: "auto" }),
    ).toThrow(/architecture differs .*dModel: 16 -> 32; numLayers: 1 -> 2/);
  });

  test("a fresh run into a folder holding checkpoints is refused; --resume auto on an empty folder starts fresh", async () => {
    const a = fixture();
    const plan = planRun({ preset: a.preset, overrides: {}, resume: "auto" });
    expect(plan.resume).toBeNull();
    expect(plan.notes.join()).toMatch(/starting fresh/);
    await run(a.preset, { maxSteps: 10 }, null);
    expect(() => planRun({ preset: a.preset, overrides: {}, resume: null })).toThrow(
      /already holds checkpoints.*--resume auto/,
    );
  });

  test("a fresh run does not inherit the best checkpoint, samples or curves of an earlier run that diverged before its first checkpoint", async () => {
    const a = fixture({ evalEvery: 5, checkpointEvery: 10 });
    const diverged = await run(a.preset, {}, null, { nanAtStep: 8 });
    expect(diverged.status).toBe("diverged");
    expect(listCheckpoints(a.out)).toEqual([]);
    expect(loadCheckpoint(runPaths(a.out).best).iteration).toBe(5);
    // Samples of that run (this fresh one samples nothing) and its curves.
    writeFileSync(runPaths(a.out).samples, `${JSON.stringify({ step: 5, text: "earlier" })}\n`);
    expect(existsSync(runPaths(a.out).curves)).toBe(true);
    const notes: string[] = [];
    const plan = planRun({ preset: a.preset, overrides: { lrMax: 1e-6, lrMin: 0, maxSteps: 4 }, resume: "auto" });
    const fresh = await runTraining(plan, {
      engineFactory: async (c) => toyEngine(c, {}),
      argv: [],
      stderr: { write: (m) => notes.push(m), isTTY: false },
      interrupt: manualInterrupt(() => false),
    });
    expect(fresh.status).toBe("completed");
    const { best: bestPath, samples, curves } = runPaths(a.out);
    expect(notes.join("")).toContain(
      `deleted ${bestPath}, ${samples}, ${curves}, left by an earlier run in this folder`,
    );
    expect(existsSync(samples)).toBe(false);
    // Its one validation after step 0 is its best, however it compares with the earlier run's.
    expect(fresh.summary.bestValLoss).toBe(fresh.valLoss);
    const best = loadCheckpoint(runPaths(a.out).best);
    expect(best.iteration).toBe(4);
    expect(best.config?.lrMax).toBe(1e-6);
  });

  test("run.json records the tokenizer's sha256; resuming with another tokenizer is refused", async () => {
    const a = fixture();
    const t1 = tokenizerDir(a.dir, "tok1", "a b\n");
    const t2 = tokenizerDir(a.dir, "tok2", "b a\n");
    await run(a.preset, { maxSteps: 10, tokenizer: t1 }, null);
    const info = JSON.parse(readFileSync(runPaths(a.out).info, "utf8"));
    const expected = new Bun.CryptoHasher("sha256").update(VOCAB).update("a b\n").digest("hex");
    expect(info.tokenizerSha256).toBe(expected);
    expect(info.fromStep).toBe(0);
    await run(a.preset, { maxSteps: 20, tokenizer: t1 }, "auto");
    const resumed = JSON.parse(readFileSync(runPaths(a.out).info, "utf8"));
    expect(resumed.fromStep).toBe(10);
    expect(resumed.previous.map((s: { fromStep: number }) => s.fromStep)).toEqual([0]);
    expect(resumed.previous[0].startedAt).toBe(info.startedAt);
    await expect(run(a.preset, { maxSteps: 30, tokenizer: t2 }, "auto")).rejects.toThrow(
      /tokenizer in .*tok2 differs from the one this run started with/,
    );
    await expect(run(a.preset, { maxSteps: 30, tokenizer: join(a.dir, "nope") }, "auto")).rejects.toThrow(
      /has no vocab\.json/,
    );
  });

  test("a resume without --tokenizer keeps the run's tokenizer (hash and checkpoint config); another is refused", async () => {
    const a = fixture();
    const t1 = tokenizerDir(a.dir, "tok1", "a b\n");
    await run(a.preset, { maxSteps: 10, tokenizer: t1 }, null);
    const first = JSON.parse(readFileSync(runPaths(a.out).info, "utf8"));
    const plan = planRun({ preset: a.preset, overrides: { maxSteps: 20 }, resume: "auto" });
    expect(plan.config.tokenizer).toBe(t1);
    expect(plan.notes.join("\n")).toContain(`tokenizer ${t1} taken from ${checkpointPath(a.out, 10)}`);
    await run(a.preset, { maxSteps: 20 }, "auto");
    const resumed = JSON.parse(readFileSync(runPaths(a.out).info, "utf8"));
    expect(resumed.fromStep).toBe(10);
    expect(resumed.tokenizerSha256).toBe(first.tokenizerSha256);
    expect(loadCheckpoint(checkpointPath(a.out, 20)).config?.tokenizer).toBe(t1);
    const t2 = tokenizerDir(a.dir, "tok2", "b a\n");
    await expect(run(a.preset, { maxSteps: 30, tokenizer: t2 }, "auto")).rejects.toThrow(
      /tokenizer in .*tok2 differs from the one this run started with/,
    );
  });
});
