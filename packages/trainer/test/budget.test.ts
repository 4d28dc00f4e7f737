// Budgets and readouts of the training loop with the host toy engine on a fake clock: --max-tokens ends at
// the step that reaches it with the cosine fitted to that step; --max-seconds re-fits the last step to the
// budget as the step rate changes, keeps a reserve for the closing validation and checkpoint, and ends
// validated and saved within it; MFU in the metrics and the summary against the accounting's FLOPs.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { cosineLr, trainStepFlops } from "@cs336-ts/model";
import { openNpy } from "../src/data/npy.ts";
import { manualInterrupt } from "../src/loop/interrupt.ts";
import { createProgress } from "../src/loop/progress.ts";
import { trainLoop } from "../src/loop/train-loop.ts";
import { resolveRunConfig, type RunConfigInput } from "../src/run/config.ts";
import { loadCheckpoint } from "../src/run/checkpoint.ts";
import { openMetrics, readMetrics, type TrainRecord } from "../src/run/metrics.ts";
import { checkpointPath, runPaths } from "../src/run/run-dir.ts";
import { fixture, run } from "./support/loop-fixture.ts";
import { toyEngine } from "./support/toy-engine.ts";

const trainRecords = (out: string) =>
  readMetrics(runPaths(out).metrics).flatMap((r) => (r.kind === "train" ? [r] : []));

/**
 * trainLoop on a fake clock: each optimizer step takes `stepSeconds(step)` and each validation batch
 * `evalSeconds`; nothing else takes time.
 */
async function clocked(
  extra: RunConfigInput,
  stepSeconds: (step: number) => number,
  evalSeconds = 0,
  session: { preset?: string; resume?: string; stopAfter?: number } = {},
) {
  const preset = session.preset ?? fixture({ maxSteps: 1000, evalEvery: 0, checkpointEvery: 0, ...extra }).preset;
  const config = resolveRunConfig(JSON.parse(await Bun.file(preset).text()), {});
  mkdirSync(runPaths(config.out).checkpoints, { recursive: true });
  const resume = session.resume ? loadCheckpoint(session.resume) : null;
  let t = 0;
  let done = resume?.iteration ?? 0;
  let ran = 0;
  const engine = toyEngine(config);
  const step = engine.step;
  engine.step = async (s, lrs, x, y) => {
    for (let i = 0; i < lrs.length; i++) t += stepSeconds(++done);
    ran += lrs.length;
    return step(s, lrs, x, y);
  };
  const evalLoss = engine.evalLoss;
  engine.evalLoss = async (p, x, y) => {
    t += evalSeconds;
    return evalLoss(p, x, y);
  };
  let progress = "";
  const result = await trainLoop({
    config,
    engine,
    train: openNpy(config.train).data,
    val: config.val ? openNpy(config.val).data : null,
    resume,
    resumePath: session.resume ?? null,
    metrics: openMetrics(runPaths(config.out).metrics, resume?.iteration ?? null),
    progress: createProgress({
      totalSteps: config.maxSteps,
      startStep: resume?.iteration ?? 0,
      logEvery: 1,
      isTTY: false,
      write: (s) => (progress += s),
      now: () => t,
    }),
    interrupt: manualInterrupt(() => session.stopAfter !== undefined && ran >= session.stopAfter),
    now: () => t,
  });
  return { config, result, out: config.out, preset, progress, ran };
}

describe("--max-tokens", () => {
  test("ends at the step that reaches the tokens, with the cosine ending there", async () => {
    // 4 sequences × 8 tokens a step: 300 tokens is reached in step 10 (320 tokens).
    const f = fixture();
    const r = await run(f.preset, { maxSteps: 1000, maxTokens: 300, checkpointEvery: 0 }, null);
    expect(r.status).toBe("completed");
    expect(r.step).toBe(10);
    expect(r.summary).toMatchObject({ steps: 10, tokens: 320, endedBy: "tokens" });
    const lrs = trainRecords(f.out).map((m) => m.lr);
    const schedule = { maxLearningRate: 0.05, minLearningRate: 0.005, warmupIters: 2, cosineCycleIters: 10 };
    expect(lrs).toEqual(Array.from({ length: 10 }, (_, i) => Math.fround(cosineLr(i, schedule))));
    expect(existsSync(checkpointPath(f.out, 10))).toBe(true);
  });

  test("a limit inside warmup is refused", () => {
    expect(() => resolveRunConfig({ model: { vocabSize: 16 }, warmupSteps: 100, maxTokens: 1000 })).toThrow(
      /maxTokens \(--max-tokens 1000\) ends the run at step 1, within the 100 warmup steps/,
    );
  });
});

describe("--max-seconds", () => {
  test("a steady rate: the run ends one graph run short of the budget, validated and saved, lr at its floor", async () => {
    const { result, out, progress } = await clocked({ maxSeconds: 60 }, () => 1);
    expect(result.status).toBe("completed");
    // After the first graph run (K = 4 steps, 4 s): 56 s left, less one graph run of slack: 12 graph runs.
    expect(result.step).toBe(56);
    expect(result.message).toBe("done: 56 steps, 1,792 tokens in 56.0 s (the 60 s budget ended it)");
    expect(result.summary).toMatchObject({ steps: 56, seconds: 56, endedBy: "time" });
    expect(existsSync(checkpointPath(out, 56))).toBe(true);
    const vals = readMetrics(runPaths(out).metrics).filter((m) => m.kind === "val");
    expect(vals.map((v) => v.step)).toEqual([0, 56]);
    // Known from the first graph run on, the cosine ends at step 56.
    const lrs = trainRecords(out).map((m) => m.lr);
    const fitted = { maxLearningRate: 0.05, minLearningRate: 0.005, warmupIters: 2, cosineCycleIters: 56 };
    expect(lrs.slice(4)).toEqual(Array.from({ length: 52 }, (_, i) => Math.fround(cosineLr(i + 4, fitted))));
    // The progress line's total follows the estimate.
    expect(progress).toMatch(/step +56\/56 /);
  });

  test("a slowdown moves the end earlier; the closing validation fits in the reserve", async () => {
    // 1 s a step for 20 steps, then 3 s; validation costs 2 batches × 2.5 s.
    const { result, out } = await clocked({ maxSeconds: 100 }, (s) => (s <= 20 ? 1 : 3), 2.5);
    expect(result.summary.endedBy).toBe("time");
    expect(result.summary.seconds).toBeLessThanOrEqual(100);
    // 5 s of initial validation + 20 steps at 1 s, then graph runs (K = 4) of 3 s a step: the mean of the
    // last three graph runs moves the end to 52 at step 24, 40 at 28 and, at 32, to 32 + 4·(⌊(100 - 61 - 5
    // reserved) / 3 / 4⌋ - 1 of slack) = 36; the closing validation ends at 78 s.
    expect(result.step).toBe(36);
    expect(result.summary.seconds).toBe(78);
    const records = trainRecords(out);
    expect(records.at(-1)!.step).toBe(result.step);
    // The schedule ends near its floor whatever the estimate did on the way.
    expect(records.at(-1)!.lr).toBeLessThan(0.005 + 0.05 * (0.05 - 0.005));
  });

  test("a noisy step rate moves the end, not the learning rate: it only falls after warmup", async () => {
    // Graph runs alternate between 0.8 and 1.2 s a step.
    const { result, out } = await clocked({ maxSeconds: 200 }, (s) => (Math.floor((s - 1) / 4) % 2 ? 1.2 : 0.8));
    expect(result.summary.endedBy).toBe("time");
    const lrs = trainRecords(out).map((m) => m.lr);
    const ups = lrs.flatMap((lr, i) => (i > 2 && lr > lrs[i - 1]! ? [i + 1] : []));
    expect(ups).toEqual([]);
    expect(lrs.at(-1)!).toBeLessThan(0.005 + 0.01 * (0.05 - 0.005));
  });

  test("resuming a run its budget ended trains no further", async () => {
    const first = await clocked({ maxSeconds: 60 }, () => 1);
    expect(first.result.step).toBe(56);
    const again = await clocked({}, () => 1, 0, { preset: first.preset, resume: checkpointPath(first.out, 56) });
    expect(again.ran).toBe(0);
    expect(again.result).toMatchObject({ status: "completed", step: 56 });
    expect(again.result.summary.endedBy).toBe("time");
    expect(trainRecords(first.out).at(-1)!.step).toBe(56);
  });

  test("an interrupted run resumes on the schedule fitted to the budget, ending where a straight run ends", async () => {
    const straight = await clocked({ maxSeconds: 60 }, () => 1);
    const cut = await clocked({ maxSeconds: 60 }, () => 1, 0, { stopAfter: 20 });
    expect(cut.result).toMatchObject({ status: "interrupted", step: 20 });
    const resumed = await clocked({}, () => 1, 0, { preset: cut.preset, resume: checkpointPath(cut.out, 20) });
    expect(resumed.result).toMatchObject({ status: "completed", step: 56 });
    const lrs = (out: string) => trainRecords(out).map((m) => [m.step, m.lr]);
    expect(lrs(cut.out)).toEqual(lrs(straight.out));
  });

  test("steps stay the limit when the budget is generous", async () => {
    const { result } = await clocked({ maxSeconds: 1e6, maxSteps: 12 }, () => 1);
    expect(result.summary).toMatchObject({ steps: 12, endedBy: "steps" });
  });
});

describe("MFU", () => {
  test("metrics and summary: the accounting's FLOPs per step over the step time, against the peak", async () => {
    const { config, result, out, progress } = await clocked({ maxSteps: 8, peakTflops: 2e-6 }, () => 0.5);
    const flops = trainStepFlops(config.model, 8, 4).total;
    const mfu = flops / 0.5 / 2e6;
    for (const m of trainRecords(out)) expect(m.mfu).toBeCloseTo(mfu, 12);
    expect(result.summary.tflops).toBeCloseTo(flops / 0.5 / 1e12, 18);
    expect(result.summary.mfu).toBeCloseTo(mfu, 12);
    expect(progress).toContain(`MFU ${(100 * mfu).toFixed(1)}%`);
  });

  test("without a peak: TFLOP/s in the summary, no MFU anywhere", async () => {
    const { result, out, progress } = await clocked({ maxSteps: 8 }, () => 0.5);
    expect(result.summary.tflops).toBeGreaterThan(0);
    expect(result.summary.mfu).toBeNull();
    expect(trainRecords(out).every((m: TrainRecord) => m.mfu === undefined)).toBe(true);
    expect(progress).not.toContain("MFU");
  });
});

test("config: budgets and readouts are fields with flags, validated", () => {
  const base = { model: { vocabSize: 16 } };
  expect(resolveRunConfig(base)).toMatchObject({ maxTokens: null, maxSeconds: null, peakTflops: null, sampleEvery: 0 });
  expect(() => resolveRunConfig(base, { maxSeconds: -1 })).toThrow(/maxSeconds \(--max-seconds\) must be a positive/);
  expect(() => resolveRunConfig(base, { peakTflops: 0 })).toThrow(/peakTflops \(--peak-tflops\) must be a positive/);
  expect(() => resolveRunConfig(base, { sampleEvery: 10 })).toThrow(/--sample-every 10\) needs .* --tokenizer DIR/);
  expect(() => resolveRunConfig(base, { sampleTopP: 0 })).toThrow(/sampleTopP \(--sample-top-p\) must be in \(0, 1\]/);
});
