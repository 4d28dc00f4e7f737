// `bun run cli sweep` as a user runs it (a spawned CLI, the real ONNX engine, a tiny model): two learning
// rates into one folder with the summary table on stdout and in summary.md/summary.json, the overlay plot,
// a rerun that skips both, and usage errors that stop before any run.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeNpy } from "@cs336-ts/trainer";

const ROOT = resolve(import.meta.dir, "../../..");

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "sweep", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

function tinyPreset(): { dir: string; preset: string } {
  const dir = mkdtempSync(join(tmpdir(), "sweep-cli-"));
  writeNpy(
    join(dir, "train.npy"),
    Uint16Array.from({ length: 3000 }, (_, i) => (i * 7) % 50),
  );
  writeNpy(
    join(dir, "val.npy"),
    Uint16Array.from({ length: 600 }, (_, i) => (i * 3) % 50),
  );
  const preset = join(dir, "tiny.json");
  writeFileSync(
    preset,
    JSON.stringify({
      model: { vocabSize: 64, contextLength: 8, dModel: 16, numLayers: 1, numHeads: 2, dFf: 32 },
      train: join(dir, "train.npy"),
      val: join(dir, "val.npy"),
      batchSize: 2,
      maxSteps: 6,
      warmupSteps: 1,
      stepsPerRun: 3,
      evalEvery: 3,
      evalBatches: 2,
      checkpointEvery: 3,
      threads: 1,
    }),
  );
  return { dir, preset };
}

describe("sweep", () => {
  test("two learning rates: folders, table, summary files, plot; a rerun skips both", () => {
    const { dir, preset } = tinyPreset();
    const out = join(dir, "sweep1");
    const r = cli("--config", preset, "--lr-max", "1e-3,1e-2", "--out", out);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`sweep of 2 runs into ${out}`);
    expect(r.out).toContain(`[1/2] lr-max=1e-3 → ${join(out, "lr-max-1e-3")}`);
    expect(r.out).toContain(`[2/2] lr-max=1e-2 → ${join(out, "lr-max-1e-2")}`);
    expect(r.out).toMatch(/\| lr-max-1e-3.* \|\s+1e-3 \| completed \|\s+6 \|\s+96 \|\s+\d\.\d{4} \|\s+\d\.\d{4} \|/);
    expect(r.out).toMatch(/best: lr-max-1e-(2|3)\n/);
    expect(r.out).toContain(`curves ${join(out, "curves.svg")}`);
    expect(r.err).toContain("val loss");
    for (const name of ["lr-max-1e-3", "lr-max-1e-2"]) {
      expect(existsSync(join(out, name, "checkpoints", "best.safetensors"))).toBe(true);
      expect(JSON.parse(readFileSync(join(out, name, "config.json"), "utf8")).out).toBe(join(out, name));
    }
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.runs.map((x: { values: unknown }) => x.values)).toEqual([
      { "lr-max": "1e-3" },
      { "lr-max": "1e-2" },
    ]);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toContain("| run ");
    const svg = readFileSync(join(out, "curves.svg"), "utf8");
    expect(svg).toContain("loss vs tokens");
    expect(svg).toContain("lr-max=1e-2");

    const again = cli("--config", preset, "--lr-max", "1e-3,1e-2", "--out", out, "--x", "step");
    expect(again.code).toBe(0);
    expect(again.out).toContain("lr-max=1e-3 → ");
    expect(again.out.match(/completed earlier, skipped/g)?.length).toBe(2);
    expect(readFileSync(join(out, "curves.svg"), "utf8")).toContain("loss vs step");
  }, 60_000);

  test("usage errors stop before any run", () => {
    const { dir, preset } = tinyPreset();
    const out = join(dir, "bad");
    expect(cli("--config", preset, "--lr-max", "1e-3,fast", "--out", out)).toMatchObject({
      code: 2,
      err: expect.stringContaining('--lr-max must be a number, got "fast"'),
    });
    expect(cli("--config", preset, "--lr-max", "1e-3,2e-3", "--seed", "1,2,3", "--zip", "--out", out)).toMatchObject({
      code: 2,
      err: expect.stringContaining("--lr-max has 2, --seed has 3"),
    });
    expect(cli("--config", preset, "--lr-max", "1e-3")).toMatchObject({
      code: 2,
      err: expect.stringContaining("missing required flag --out"),
    });
    expect(cli("--config", preset, "--out", out, "--x", "epochs")).toMatchObject({
      code: 2,
      err: expect.stringContaining('--x must be one of step, tokens, time, got "epochs"'),
    });
    expect(existsSync(out)).toBe(false);
  });

  test("a rerun with other fixed settings refuses the finished runs' stale results", () => {
    // The folder names come from the swept values only: rerun with --max-steps 8, both runs were "completed
    // earlier, skipped" and the table showed the 6-step results as this command's.
    const { dir, preset } = tinyPreset();
    const out = join(dir, "stale");
    expect(cli("--config", preset, "--lr-max", "1e-3,1e-2", "--out", out).code).toBe(0);
    const r = cli("--config", preset, "--lr-max", "1e-3,1e-2", "--max-steps", "8", "--out", out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `run lr-max-1e-3 (lr-max=1e-3) completed earlier with other settings (maxSteps 6 -> 8); give this sweep ` +
        `another --out, or delete ${join(out, "lr-max-1e-3")} to train it again`,
    );
    expect(r.out).not.toContain("skipped");
    // What only places or reports the run (--threads, --device, --peak-tflops) is no reason to refuse it.
    const same = cli("--config", preset, "--lr-max", "1e-3,1e-2", "--threads", "2", "--peak-tflops", "1", "--out", out);
    expect(same.code).toBe(0);
    expect(same.out.match(/completed earlier, skipped/g)?.length).toBe(2);
  }, 60_000);

  test("a repeated field flag adds values instead of replacing them", () => {
    // `--lr-max 1e-3 --lr-max 1e-2` kept only 1e-2: a one-run sweep named "run". A warmup longer than the
    // run stops it at the up-front check, after the plan is printed.
    const { dir, preset } = tinyPreset();
    const out = join(dir, "repeat");
    const r = cli(
      "--config",
      preset,
      "--lr-max",
      "1e-3",
      "--lr-max",
      "1e-2,3e-2",
      "--warmup-steps",
      "50",
      "--out",
      out,
    );
    expect(r.code).toBe(2);
    expect(r.out).toContain(`sweep of 3 runs into ${out}`);
    expect(r.err).toContain("run lr-max-1e-3 (lr-max=1e-3): warmupSteps (50) must be smaller than maxSteps (6)");
    expect(existsSync(out)).toBe(false);
  });
});
