// The training loop's bookkeeping with the host toy engine: JSONL metrics (train lines per step, val lines
// on the schedule over fixed batches), chunking at K / eval / checkpoint boundaries, retention of the last N
// checkpoints plus the best by validation loss, the run folder, and divergence: a NaN loss stops the run,
// keeps the last good checkpoint and writes no bad state.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { loadCheckpoint } from "../src/run/checkpoint.ts";
import { resolveRunConfig } from "../src/run/config.ts";
import { getBatch } from "../src/data/batch.ts";
import { openNpy } from "../src/data/npy.ts";
import { chunkEnd, streamRng } from "../src/loop/train-loop.ts";
import { readMetrics } from "../src/run/metrics.ts";
import { checkpointPath, listCheckpoints, runPaths } from "../src/run/run-dir.ts";
import { fixture, run } from "./support/loop-fixture.ts";
import { toyEngine } from "./support/toy-engine.ts";

describe("training loop", () => {
  test("graph runs are K-aligned and never cross an eval, checkpoint or end boundary", () => {
    const c = resolveRunConfig({ maxSteps: 23, stepsPerRun: 4, evalEvery: 6, checkpointEvery: 10, warmupSteps: 1 });
    const ends: number[] = [];
    for (let s = 0; s < c.maxSteps; s = chunkEnd(c, s)) ends.push(chunkEnd(c, s));
    expect(ends).toEqual([4, 6, 8, 10, 12, 16, 18, 20, 23]);
  });

  test("metrics, val schedule over fixed batches, run folder, retention and best checkpoint", async () => {
    const f = fixture({ maxSteps: 20, evalEvery: 5, checkpointEvery: 4, keepLast: 2 });
    const res = await run(f.preset, {}, null);
    expect(res.status).toBe("completed");
    const records = readMetrics(runPaths(f.out).metrics);
    const train = records.filter((r) => r.kind === "train");
    const val = records.filter((r) => r.kind === "val");
    expect(train.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const r of train) {
      expect(r.tokens).toBe(r.step * 4 * 8);
      expect(r.lr).toBeGreaterThan(r.step === 1 ? -1 : 0); // CS336's schedule starts warmup at lr 0
      expect(r.gradNorm).toBeGreaterThan(0);
      expect(r.tokensPerSec).toBeGreaterThan(0);
    }
    expect(train.map((r) => r.time)).toEqual([...train.map((r) => r.time)].sort((a, b) => a - b));
    expect(val.map((r) => r.step)).toEqual([0, 5, 10, 15, 20]);
    // step 0 on fixed batches of a fresh model is ~ln V; later evaluations improve.
    expect(val[0]!.valLoss).toBeGreaterThan(val.at(-1)!.valLoss);
    // Retention: the last 2 periodic checkpoints, plus best.safetensors at the lowest validation loss.
    expect(listCheckpoints(f.out).map((c) => c.step)).toEqual([16, 20]);
    const best = loadCheckpoint(runPaths(f.out).best);
    const minVal = Math.min(...val.map((r) => r.valLoss));
    expect(best.valLoss).toBe(minVal);
    expect(val.find((r) => r.valLoss === minVal)!.step).toBe(best.iteration);
    // Run folder contents.
    const cfg = JSON.parse(readFileSync(runPaths(f.out).config, "utf8"));
    expect(cfg.model.dModel).toBe(16);
    const info = JSON.parse(readFileSync(runPaths(f.out).info, "utf8"));
    expect(info.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(readFileSync(runPaths(f.out).curves, "utf8")).toStartWith("<svg");
  });

  test("validation batches are fixed: re-evaluating a checkpoint on the seed's batches gives the logged loss", async () => {
    const f = fixture({ maxSteps: 8, evalEvery: 4, checkpointEvery: 4 });
    await run(f.preset, {}, null);
    const config = resolveRunConfig(JSON.parse(readFileSync(runPaths(f.out).config, "utf8")));
    const engine = toyEngine(config);
    const val = readMetrics(runPaths(f.out).metrics).flatMap((r) => (r.kind === "val" ? [r] : []));
    for (const step of [4, 8]) {
      const ck = loadCheckpoint(checkpointPath(f.out, step));
      const rng = streamRng(config.seed, 2);
      const valData = openNpy(config.val!).data;
      let sum = 0;
      for (let i = 0; i < config.evalBatches; i++) {
        const b = getBatch(valData, config.batchSize, config.model.contextLength, rng);
        sum += await engine.evalLoss(ck.state.params, b.x, b.y);
      }
      expect(sum / config.evalBatches).toBe(val.find((r) => r.step === step)!.valLoss);
    }
  });

  test("a NaN loss stops the run, names the fix, keeps the last good checkpoint and writes no bad state", async () => {
    const f = fixture({ maxSteps: 20, checkpointEvery: 5, evalEvery: 0 });
    const res = await run(f.preset, {}, null, { nanAtStep: 13 });
    expect(res.status).toBe("diverged");
    expect(res.message).toMatch(/loss NaN at step 13/);
    expect(res.message).toMatch(/lower the learning rate \(--lr-max/);
    expect(res.checkpoint).toBe(checkpointPath(f.out, 10));
    expect(res.step).toBe(10);
    expect(listCheckpoints(f.out).map((c) => c.step)).toEqual([5, 10]);
    expect(existsSync(runPaths(f.out).best)).toBe(false);
    expect(readdirSync(runPaths(f.out).checkpoints).some((n) => n.includes(".tmp"))).toBe(false);
    const last = loadCheckpoint(checkpointPath(f.out, 10));
    for (const t of Object.values(last.state.params)) expect(t.data.every(Number.isFinite)).toBe(true);
    // The logged steps stop at the bad one; resuming from the kept checkpoint works.
    const steps = readMetrics(runPaths(f.out).metrics).flatMap((r) => (r.kind === "train" ? [r.step] : []));
    expect(steps.at(-1)).toBe(13);
    const resumed = await run(f.preset, {}, "auto");
    expect(resumed.status).toBe("completed");
  });

  test("a non-finite validation loss stops the run like any divergence, pointing at the last good checkpoint", async () => {
    const f = fixture({ maxSteps: 20, checkpointEvery: 5, evalEvery: 5 });
    const res = await run(f.preset, {}, null, { nanValFromStep: 10 });
    expect(res.status).toBe("diverged");
    expect(res.message).toMatch(/^training diverged: validation loss NaN at step 10; lower the learning rate/);
    expect(res.message).toContain(`The last good checkpoint is ${checkpointPath(f.out, 5)}`);
    expect(res.checkpoint).toBe(checkpointPath(f.out, 5));
    expect(res.step).toBe(5);
    expect(listCheckpoints(f.out).map((c) => c.step)).toEqual([5]);
  });

  test("an update that overflows the parameters (finite loss) is caught before it is saved", async () => {
    // Graph runs end at 4, 5, 8, 10 (K=4, checkpoint every 5): step 10's update breaks the state.
    const f = fixture({ maxSteps: 20, checkpointEvery: 5, evalEvery: 0 });
    const res = await run(f.preset, {}, null, { infParamsAtStep: 10 });
    expect(res.status).toBe("diverged");
    expect(res.message).toMatch(/parameters or AdamW moments hold NaN or infinity after step 10/);
    expect(res.checkpoint).toBe(checkpointPath(f.out, 5));
    expect(listCheckpoints(f.out).map((c) => c.step)).toEqual([5]);
    for (const t of Object.values(loadCheckpoint(checkpointPath(f.out, 5)).state.params)) {
      expect(t.data.every(Number.isFinite)).toBe(true);
    }
  });
});
