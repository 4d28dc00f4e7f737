// Sweeps with the host toy engine: the grid and zipped lists, names and refusals; a whole sweep's folders,
// summary and overlay plot; a diverged run recorded and skipped on rerun; an interrupted sweep resumed by the
// same call, equal step for step to one that never stopped.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { manualInterrupt } from "../src/loop/interrupt.ts";
import { readMetrics } from "../src/run/metrics.ts";
import { runPaths } from "../src/run/run-dir.ts";
import { planSweep } from "../src/sweep/plan.ts";
import { runSweep, type SweepOptions } from "../src/sweep/run-sweep.ts";
import { fixture } from "./support/loop-fixture.ts";
import { toyEngine } from "./support/toy-engine.ts";

const quiet = { write() {}, isTTY: false };

describe("planSweep", () => {
  test("a grid: every combination, the first field slowest; one-value fields are fixed", () => {
    const runs = planSweep([
      { flag: "lr-max", values: ["1e-4", "3e-4"] },
      { flag: "max-steps", values: ["40"] },
      { flag: "batch-size", values: ["16", "64"] },
    ]);
    expect(runs.map((r) => r.name)).toEqual([
      "lr-max-1e-4_batch-size-16",
      "lr-max-1e-4_batch-size-64",
      "lr-max-3e-4_batch-size-16",
      "lr-max-3e-4_batch-size-64",
    ]);
    expect(runs[1]!.values).toEqual({ "lr-max": "1e-4", "batch-size": "64" });
    expect(runs[1]!.overrides).toEqual({ lrMax: 1e-4, maxSteps: 40, batchSize: 64 });
  });

  test("zipped lists pair the i-th values; model fields go under model", () => {
    const runs = planSweep(
      [
        { flag: "norm", values: ["pre", "none", "post", "pre", "pre"] },
        { flag: "positional", values: ["rope", "rope", "rope", "none", "rope"] },
        { flag: "ffn", values: ["swiglu", "swiglu", "swiglu", "swiglu", "silu"] },
        { flag: "d-ff", values: ["auto"] },
      ],
      "zip",
    );
    expect(runs.map((r) => r.name)).toEqual([
      "norm-pre_positional-rope_ffn-swiglu",
      "norm-none_positional-rope_ffn-swiglu",
      "norm-post_positional-rope_ffn-swiglu",
      "norm-pre_positional-none_ffn-swiglu",
      "norm-pre_positional-rope_ffn-silu",
    ]);
    expect(runs[4]!.overrides).toEqual({ model: { dFf: "auto", norm: "pre", positional: "rope", ffn: "silu" } });
  });

  test("odd values become safe folder names; repeats get their own folder; no swept field is one run", () => {
    const runs = planSweep([{ flag: "val", values: ["data/a b.npy", "none", "none"] }], "zip");
    expect(runs.map((r) => r.name)).toEqual(["val-data-a-b.npy", "val-none", "val-none_2"]);
    expect(planSweep([{ flag: "seed", values: ["3"] }]).map((r) => r.name)).toEqual(["run"]);
  });

  test("bad values, unknown fields, --out and uneven zipped lists are refused before anything runs", () => {
    expect(() => planSweep([{ flag: "lr-max", values: ["1e-3", "fast"] }])).toThrow(
      '--lr-max must be a number, got "fast"',
    );
    expect(() => planSweep([{ flag: "norm", values: ["pre", "side"] }])).toThrow(
      /--norm must be one of pre, post, none/,
    );
    expect(() => planSweep([{ flag: "lr-max", values: ["1e-3", ""] }])).toThrow(/needs comma-separated values/);
    expect(() => planSweep([{ flag: "lr-maxx", values: ["1"] }])).toThrow(/--lr-maxx is not a config field/);
    expect(() => planSweep([{ flag: "out", values: ["a", "b"] }])).toThrow(/--out is the sweep's folder/);
    expect(() =>
      planSweep(
        [
          { flag: "lr-max", values: ["1e-3", "2e-3"] },
          { flag: "seed", values: ["1", "2", "3"] },
        ],
        "zip",
      ),
    ).toThrow("--lr-max has 2, --seed has 3");
  });
});

/** A sweep over the fixture preset; lr-max 5 makes the toy engine's loss NaN at step 3. */
function sweepOf(preset: string, out: string, fields = [{ flag: "lr-max", values: ["0.02", "0.08"] }]) {
  const lines: string[] = [];
  let steps = 0;
  let stopAt = Number.POSITIVE_INFINITY;
  const o: SweepOptions = {
    preset,
    runs: planSweep([...fields, { flag: "max-steps", values: ["12"] }]),
    out,
    x: "tokens",
    engineFactory: async (c) => {
      const engine = toyEngine(c, c.lrMax >= 5 ? { nanAtStep: 3 } : {});
      const step = engine.step;
      engine.step = async (s, lrs, x, y) => {
        steps += lrs.length;
        return step(s, lrs, x, y);
      };
      return engine;
    },
    argv: ["sweep"],
    stderr: quiet,
    log: (l) => lines.push(l),
    interrupt: manualInterrupt(() => steps >= stopAt),
  };
  return { o, lines, stopAfter: (n: number) => (stopAt = n) };
}

describe("runSweep", () => {
  test("runs every config into its folder; summary table, JSON, Markdown and one overlay plot", async () => {
    const f = fixture({ evalEvery: 4, checkpointEvery: 4 });
    const out = join(f.dir, "sweep");
    const { o, lines } = sweepOf(f.preset, out, [
      { flag: "lr-max", values: ["0.02", "0.08"] },
      { flag: "batch-size", values: ["2", "4"] },
    ]);
    const r = await runSweep(o);
    expect(r.status).toBe("completed");
    expect(lines[0]).toBe(`[1/4] lr-max=0.02 batch-size=2 → ${join(out, "lr-max-0.02_batch-size-2")}`);
    expect(r.rows.map((row) => [row.name, row.status, row.steps])).toEqual([
      ["lr-max-0.02_batch-size-2", "completed", 12],
      ["lr-max-0.02_batch-size-4", "completed", 12],
      ["lr-max-0.08_batch-size-2", "completed", 12],
      ["lr-max-0.08_batch-size-4", "completed", 12],
    ]);
    // The batch-size-4 runs saw twice the tokens (12 steps × 4 × 8).
    expect(r.rows.map((row) => row.tokens)).toEqual([192, 384, 192, 384]);
    for (const row of r.rows) {
      const vals = readMetrics(runPaths(join(out, row.name)).metrics).flatMap((m) => (m.kind === "val" ? [m] : []));
      expect(row.finalValLoss).toBe(vals.at(-1)!.valLoss);
      expect(row.bestValLoss).toBe(Math.min(...vals.map((v) => v.valLoss)));
      expect(row.tokensPerSec!).toBeGreaterThan(0);
    }
    const best = r.rows.reduce((a, b) => (b.bestValLoss! < a.bestValLoss! ? b : a));
    expect(r.best?.name).toBe(best.name);
    expect(r.table).toContain(`| ${best.name} (best) |`);
    expect(r.table.split("\n")[0]).toMatch(
      /^\| run +\| lr-max \| batch-size \| status +\| steps \| tokens \| final val/,
    );
    const json = JSON.parse(readFileSync(r.paths.summaryJson, "utf8"));
    expect(json.runs).toHaveLength(4);
    expect(json.best).toBe(best.name);
    expect(readFileSync(r.paths.summaryMd, "utf8")).toContain(r.table);
    const svg = readFileSync(r.paths.curves, "utf8");
    expect(svg).toContain("loss vs tokens");
    expect(svg).toContain("lr-max=0.08 batch-size=4");
    expect(svg.match(/<path /g)?.length).toBe(8);
  });

  test("a diverged run is recorded as such, the sweep goes on, and a rerun skips it", async () => {
    const f = fixture();
    const out = join(f.dir, "sweep");
    const first = sweepOf(f.preset, out, [{ flag: "lr-max", values: ["5", "0.05"] }]);
    const r = await runSweep(first.o);
    expect(r.status).toBe("completed");
    expect(r.rows.map((row) => row.status)).toEqual(["diverged", "completed"]);
    expect(r.table).toMatch(/\| lr-max-5 +\| +5 \| diverged .*\| yes +\|/);
    expect(r.table).toMatch(/\| lr-max-0\.05 \(best\) .*\| no +\|/);
    expect(JSON.parse(readFileSync(join(out, "lr-max-5", "outcome.json"), "utf8")).status).toBe("diverged");
    const again = sweepOf(f.preset, out, [{ flag: "lr-max", values: ["5", "0.05"] }]);
    const r2 = await runSweep(again.o);
    expect(again.lines).toEqual([
      `[1/2] lr-max=5 → ${join(out, "lr-max-5")}: diverged earlier, skipped`,
      `[2/2] lr-max=0.05 → ${join(out, "lr-max-0.05")}: completed earlier, skipped`,
    ]);
    expect(r2.table).toBe(r.table);
  });

  test("an interrupted sweep stops after saving, and the same call resumes it to the same result", async () => {
    const f = fixture({ checkpointEvery: 4 });
    const straight = sweepOf(f.preset, join(f.dir, "straight"));
    await runSweep(straight.o);

    const out = join(f.dir, "stopped");
    const first = sweepOf(f.preset, out);
    // 12 steps of the first run, then 4 of the second (K = 4): the second saves at step 4 and stops.
    first.stopAfter(16);
    const r = await runSweep(first.o);
    expect(r.status).toBe("interrupted");
    // A stand-in interrupt names no signal: the CLI exits 130, as for Ctrl-C.
    expect(r.stoppedBy).toBeNull();
    expect(r.rows.map((row) => row.status)).toEqual(["completed", "interrupted"]);
    expect(existsSync(r.paths.summaryMd)).toBe(true);
    const second = sweepOf(f.preset, out);
    const done = await runSweep(second.o);
    expect(done.status).toBe("completed");
    expect(second.lines[0]).toContain("completed earlier, skipped");
    expect(second.lines[1]).toBe(`[2/2] lr-max=0.08 → ${join(out, "lr-max-0.08")}: resuming at step 4`);
    const losses = (dir: string) =>
      readMetrics(runPaths(dir).metrics).map((m) => (m.kind === "train" ? m.loss : m.valLoss));
    for (const name of ["lr-max-0.02", "lr-max-0.08"]) {
      expect(losses(join(out, name))).toEqual(losses(join(f.dir, "straight", name)));
    }
  });

  test("a combination the model refuses fails before any run starts", async () => {
    const f = fixture();
    const { o } = sweepOf(f.preset, join(f.dir, "sweep"), [{ flag: "num-heads", values: ["2", "3"] }]);
    await expect(runSweep(o)).rejects.toThrow(/run num-heads-3 \(num-heads=3\): .*divisible/);
    expect(existsSync(join(f.dir, "sweep", "num-heads-2"))).toBe(false);
  });
});
