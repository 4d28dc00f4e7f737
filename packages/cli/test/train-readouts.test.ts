// `bun run cli train` budgets and readouts as a user runs them (a spawned CLI, the real ONNX engine, a tiny
// model on stories encoded by a small BPE): a wall-clock budget that ends the run validated and saved within
// it, MFU against a named peak in the progress line, metrics.jsonl and the closing summary, samples during
// training in samples.jsonl and the progress output, and --max-tokens.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Rng } from "@cs336-ts/model";
import { saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import { checkpointPath, readMetrics, readSamples, runPaths, writeNpy } from "@cs336-ts/trainer";

const ROOT = resolve(import.meta.dir, "../../..");
const EOT = "<|endoftext|>";
const dir = mkdtempSync(join(tmpdir(), "train-readouts-"));
const tok = join(dir, "tok");

function stories(n: number, seed: number): string {
  const rng = Rng.seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.nextInt(xs.length)] as T;
  return Array.from(
    { length: n },
    () => `Once upon a time, ${pick(["Tom", "Lily", "Sam"])} had a ${pick(["ball", "cat", "kite"])}. The end.`,
  ).join(EOT);
}

beforeAll(async () => {
  const bpe = await trainBpe({
    input: new TextEncoder().encode(stories(200, 1)),
    vocabSize: 290,
    specialTokens: [EOT],
  });
  saveTokenizerFiles(tok, bpe.vocab, bpe.merges, [EOT]);
  const t = Tokenizer.fromDirectory(tok);
  writeNpy(join(dir, "train.npy"), Uint16Array.from(t.encode(stories(400, 2), { allowedSpecial: "all" })));
  writeNpy(join(dir, "val.npy"), Uint16Array.from(t.encode(stories(60, 3), { allowedSpecial: "all" })));
  t.dispose();
});

function train(out: string, ...args: string[]) {
  const p = Bun.spawnSync(
    [
      "bun",
      "packages/cli/src/main.ts",
      "train",
      "--config",
      "configs/tinystories-cpu.json",
      "--train",
      join(dir, "train.npy"),
      "--val",
      join(dir, "val.npy"),
      "--tokenizer",
      tok,
      "--out",
      join(dir, out),
      "--vocab-size",
      "290",
      "--context-length",
      "16",
      "--d-model",
      "32",
      "--num-layers",
      "1",
      "--num-heads",
      "2",
      "--d-ff",
      "auto",
      "--batch-size",
      "4",
      "--warmup-steps",
      "2",
      "--steps-per-run",
      "5",
      "--threads",
      "1",
      ...args,
    ],
    { cwd: ROOT },
  );
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("train: budgets and readouts", () => {
  test("--max-seconds ends the run validated and saved within the budget; MFU; samples", () => {
    const r = train(
      "budget",
      ...["--max-steps", "100000", "--max-seconds", "4", "--eval-every", "50", "--checkpoint-every", "0"],
      ...["--peak-tflops", "0.01", "--sample-every", "50", "--sample-tokens", "12", "--sample-prompt", "Once"],
    );
    expect(r.err).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.out).toContain("tokens at most, within 4 s");
    const summary = /summary: ([\d,]+) steps \(ended by --max-seconds\), ([\d,]+) tokens in (\d+)s/.exec(r.out);
    expect(summary).not.toBeNull();
    const steps = Number(summary![1]!.replace(/,/g, ""));
    expect(steps).toBeGreaterThan(5);
    expect(Number(summary![2]!.replace(/,/g, ""))).toBe(steps * 4 * 16);
    expect(Number(summary![3])).toBeLessThanOrEqual(4);
    expect(r.out).toMatch(/best val loss \d\.\d{4}; [\d.e-]+ TFLOP\/s of model FLOPs, MFU [\d.]+% of 0\.01 TFLOP\/s/);
    expect(r.out).toContain(`(the 4 s budget ended it)`);
    expect(r.err).toMatch(/MFU [\d.]+%/);
    const out = join(dir, "budget");
    expect(existsSync(checkpointPath(out, steps))).toBe(true);
    const metrics = readMetrics(runPaths(out).metrics);
    expect(metrics.at(-1)).toMatchObject({ kind: "val", step: steps });
    // The rule keeps a graph run of slack; 5% more covers a loaded machine's timing noise.
    expect(metrics.at(-1)!.time).toBeLessThanOrEqual(4 * 1.05);
    expect(metrics.filter((m) => m.kind === "train").every((m) => (m as { mfu?: number }).mfu! > 0)).toBe(true);
    const samples = readSamples(runPaths(out).samples);
    expect(samples.at(-1)?.step).toBe(steps);
    for (const s of samples) expect(r.err).toContain(`step ${s.step}: sample ${JSON.stringify(`Once${s.text}`)}`);
  }, 30_000);

  test("--max-tokens ends at the step that reaches it; without a peak the summary says how to get MFU", () => {
    const r = train("tokens", "--max-steps", "1000", "--max-tokens", "1000", "--eval-every", "0");
    expect(r.code).toBe(0);
    // 4 × 16 = 64 tokens a step: 1,000 tokens are reached in step 16.
    expect(r.out).toContain("1,024 tokens\n");
    expect(r.out).toMatch(/summary: 16 steps \(ended by --max-tokens\), 1,024 tokens in \d+s/);
    expect(r.out).toContain("(MFU: pass --peak-tflops, the device's peak)");
    expect(r.err).not.toContain("MFU");
    const lrs = readMetrics(runPaths(join(dir, "tokens")).metrics).flatMap((m) => (m.kind === "train" ? [m.lr] : []));
    expect(lrs).toHaveLength(16);
    // The cosine ends at step 16: the last step (iteration 15 of 16) is just above lr-min (the preset's 2e-4).
    expect(lrs.at(-1)!).toBeLessThan(2.3e-4);
    expect(readFileSync(runPaths(join(dir, "tokens")).config, "utf8")).toContain('"maxTokens": 1000');
  }, 30_000);
  test("the resolved config keeps every field apart from its value", () => {
    // Fields were padded to 16 columns, so the 17-letter one ran into its value: "sampleTemperature0.8".
    const r = train("described", "--train", join(dir, "none.npy"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("none.npy not found");
    // The block's rows after the two model lines: "  field   value".
    const lines = r.out.split("\n");
    const from = lines.findIndex((l) => l.startsWith("resolved config")) + 3;
    const rows = lines.slice(
      from,
      lines.findIndex((l, i) => i >= from && !l.startsWith("  ")),
    );
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) expect(row).toMatch(/^ {2}[A-Za-z0-9]+ {2,}\S/);
    expect(r.out).toMatch(/\n {2}sampleTemperature +0\.8\n/);
  });
});
