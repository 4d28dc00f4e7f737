// `bun run cli account` as a user runs it (a spawned CLI): the TinyStories H100 preset's figures, a preset
// with gradient accumulation and a --batch-size override, CS336's GPT-2 table, and usage errors.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "account", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("account", () => {
  test("the TinyStories H100 preset: parameters, FLOPs, memory, batch and time", () => {
    const r = cli("--config", "configs/tinystories-h100.json");
    expect(r.code).toBe(0);
    expect(r.out).toContain("4 layers, d_model 512, 16 heads, d_ff 1344, vocab 10,000, context 256");
    expect(r.out).toMatch(/total\s+22,696,448/); // 2·10000·512 + 4·(4·512² + 3·1344·512 + 2·512) + 512
    expect(r.out).toMatch(/lm_head\s+\(256×512\)·\(512×10000\)\s+1\s+2\.62 GFLOP/);
    expect(r.out).toMatch(/^\s+4096\s+281\.39 GFLOP/m); // shares at 16× the context
    expect(r.out).toMatch(/total\s+3\.66 TFLOP/); // 3 · 128 · 9.53 GFLOP
    expect(r.out).toContain("largest batch in 80 GiB: 973 sequences");
    expect(r.out).toContain("327,680,000 tokens at 50.0% MFU of 19.5 TFLOP/s: 1h02m"); // 3.66 TFLOP · 10000 steps / 9.75 TFLOP/s
  });

  test("a preset with gradient accumulation and flags for the batch, memory and device", () => {
    const d = mkdtempSync(join(tmpdir(), "account-"));
    const preset = join(d, "p.json");
    writeFileSync(
      preset,
      JSON.stringify({
        model: { vocabSize: 100, contextLength: 16, dModel: 32, numLayers: 2, numHeads: 4, dFf: 64 },
        batchSize: 8,
        gradAccumSteps: 4,
        maxSteps: 10,
        warmupSteps: 1,
      }),
    );
    const r = cli("--config", preset, "--batch-size", "2", "--memory-gb", "0.001", "--device-peak-tflops", "1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/total\s+27,040/);
    expect(r.out).toContain("training step: 4 micro-batches of 2 sequences of 16 tokens");
    expect(r.out).toMatch(/total\s+595\.5 KiB/); // 609792 bytes: 4 · 4 · 27040 + 4 · 44288
    // (2^30·0.001 - 432640) / 88576 = 7.2 sequences; 10 steps · 2 · 4 · 16 tokens
    expect(r.out).toContain("largest batch in 0.001 GiB: 7 sequences");
    expect(r.out).toContain("1,280 tokens at 50.0% MFU of 1 TFLOP/s: 0s");
  });

  test("--compare prints CS336's GPT-2 table", () => {
    const r = cli("--compare", "gpt2-small,gpt2-xl");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/gpt2-xl\s+2,127,057,600\s+4\.51 TFLOP\s+22\.3%\s+7\.1%\s+66\.9%\s+3\.6%\s+31\.70 GiB\s+3\s/);
    expect(r.out).toContain("gpt2-small");
    expect(r.out).not.toContain("gpt2-medium");
  });

  test("usage errors exit 2 with a clear line", () => {
    expect(cli().err).toContain("name a preset with --config, or GPT-2 sizes with --compare");
    const bad = cli("--compare", "gpt2-xxl");
    expect([bad.code, bad.out]).toEqual([2, ""]);
    expect(bad.err).toContain('unknown GPT-2 size "gpt2-xxl" (known: gpt2-small, gpt2-medium, gpt2-large, gpt2-xl)');
    expect(cli("--compare", "gpt2-xl", "--mfu", "2").err).toContain("--mfu must be in (0, 1], got 2");
    expect(cli("--config", "configs/missing.json").err).toContain("config file configs/missing.json not found");
    // A list of no sizes printed the GPT-2 table's header and no rows, exit 0; "" was read as no --compare.
    for (const empty of [",", " , ", ""]) {
      const none = cli("--compare", empty);
      expect([none.code, none.out]).toEqual([2, ""]);
      expect(none.err).toStartWith(
        "error: --compare needs at least one GPT-2 size: gpt2-small, gpt2-medium, gpt2-large, gpt2-xl\n",
      );
    }
  });
});
