// The progress line (TTY: rewritten in place; logs: a line every N steps, with ETA) and the metrics log
// and samples.jsonl (torn last line tolerated, other bad lines refused, resume drops records past the checkpoint).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMetrics, readMetrics } from "../src/run/metrics.ts";
import { readSamples } from "../src/run/samples.ts";
import { formatDuration } from "../src/io/status-line.ts";
import { createProgress } from "../src/loop/progress.ts";

describe("progress", () => {
  test("non-TTY: one line every logEvery steps and at the end, with step, loss, lr, tok/s and ETA", () => {
    let out = "";
    let t = 0;
    const p = createProgress({
      totalSteps: 100,
      startStep: 0,
      logEvery: 25,
      isTTY: false,
      write: (s) => (out += s),
      now: () => t,
    });
    for (let step = 5; step <= 100; step += 5) {
      t = step * 0.1; // 10 steps/s
      p.update({ step, loss: 10 / step, lr: 1e-3, tokensPerSec: 12_345 });
    }
    p.done();
    const lines = out.trim().split("\n");
    expect(lines.length).toBe(4); // steps 25, 50, 75, 100
    expect(lines[0]).toBe("step  25/100  loss 0.4000  lr 1.00e-3  12.3k tok/s  ETA 8s");
    expect(lines[3]).toContain("step 100/100");
    expect(out).not.toContain("\r");
  });

  test("TTY: rewritten in place with \\r, notes clear the line first", () => {
    let out = "";
    let t = 0;
    const p = createProgress({
      totalSteps: 10,
      startStep: 4,
      logEvery: 1,
      isTTY: true,
      write: (s) => (out += s),
      now: () => t,
    });
    t = 1;
    p.update({ step: 5, loss: 2, lr: 1e-4, tokensPerSec: 2e6 });
    p.note("step 5: val loss 2.1");
    p.done();
    expect(out).toBe(
      "\r\x1b[2Kstep  5/10  loss 2.0000  lr 1.00e-4  2.00M tok/s  ETA 5s\r\x1b[2Kstep 5: val loss 2.1\n",
    );
  });

  test("durations read as s, m, h", () => {
    expect([formatDuration(42), formatDuration(125), formatDuration(7260), formatDuration(Number.NaN)]).toEqual([
      "42s",
      "2m05s",
      "2h01m",
      "?",
    ]);
  });
});

describe("metrics", () => {
  const line = (step: number) =>
    JSON.stringify({ kind: "train", step, tokens: step, time: step, loss: 1, lr: 0, gradNorm: 1, tokensPerSec: 1 });

  test("a torn last line is skipped; a bad line in the middle is an error naming the line", () => {
    const d = mkdtempSync(join(tmpdir(), "metrics-"));
    writeFileSync(join(d, "a.jsonl"), `${line(1)}\n${line(2)}\n{"kind":"tr`);
    expect(readMetrics(join(d, "a.jsonl")).map((r) => r.step)).toEqual([1, 2]);
    writeFileSync(join(d, "b.jsonl"), `${line(1)}\nnot json\n${line(3)}\n`);
    expect(() => readMetrics(join(d, "b.jsonl"))).toThrow(/b\.jsonl:2: not a JSON line/);
    // samples.jsonl follows the same rule: a bad line before the last would be dropped by the next resume.
    const sample = (step: number) => JSON.stringify({ step, text: `s${step}` });
    writeFileSync(join(d, "s.jsonl"), `${sample(1)}\n${sample(2)}\n{"step":3,"te`);
    expect(readSamples(join(d, "s.jsonl")).map((r) => r.step)).toEqual([1, 2]);
    writeFileSync(join(d, "t.jsonl"), `${sample(1)}\n{oops\n${sample(3)}\n`);
    expect(() => readSamples(join(d, "t.jsonl"))).toThrow(/t\.jsonl:2: not a JSON line/);
  });

  test("resume keeps records up to the checkpoint's step and appends after them", () => {
    const d = mkdtempSync(join(tmpdir(), "metrics-"));
    const path = join(d, "m.jsonl");
    writeFileSync(path, `${[1, 2, 3, 4, 5].map(line).join("\n")}\n`);
    const log = openMetrics(path, 3);
    expect(log.records.map((r) => r.step)).toEqual([1, 2, 3]);
    log.append({ kind: "val", step: 4, tokens: 4, time: 4, valLoss: 1.5 });
    expect(readMetrics(path).map((r) => `${r.kind}${r.step}`)).toEqual(["train1", "train2", "train3", "val4"]);
    expect(openMetrics(path, null).records).toEqual([]);
    expect(readMetrics(path)).toEqual([]);
  });
});
