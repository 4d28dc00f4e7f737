// `bun run cli train` end to end on a tiny model with the real ONNX Runtime engine (CPU): a run writes its
// folder (config, run info, metrics, checkpoints, curves); 20 steps straight equal 10 steps + resume 10 bit
// for bit; a diverging run stops with exit 1 and keeps the last good checkpoint.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Rng } from "@cs336-ts/model";
import { checkpointPath, listCheckpoints, loadCheckpoint, readMetrics, runPaths, writeNpy } from "@cs336-ts/trainer";

const ROOT = resolve(import.meta.dir, "..");
const V = 48;

function markov(n: number, seed: number): Uint16Array {
  const rng = Rng.seeded(seed);
  const a = new Uint16Array(n);
  for (let i = 1; i < n; i++) a[i] = rng.nextFloat() < 0.8 ? (a[i - 1]! * 5 + 3) % V : rng.nextInt(V);
  return a;
}

const d = mkdtempSync(join(tmpdir(), "train-e2e-"));
writeNpy(join(d, "train.npy"), markov(6000, 1));
writeNpy(join(d, "val.npy"), markov(1500, 2));

const TINY =
  `--config configs/tinystories-cpu.json --vocab-size ${V} --context-length 8 --d-model 16 --num-layers 1 ` +
  "--num-heads 2 --d-ff 32 --batch-size 4 --steps-per-run 4 --warmup-steps 2 --lr-max 0.01 --lr-min 0.001 " +
  "--cosine-steps 20 --eval-every 10 --eval-batches 2 --checkpoint-every 10 --threads 1";

function trainArgs(out: string, ...extra: string[]): string[] {
  return [...TINY.split(" "), "--train", join(d, "train.npy"), "--val", join(d, "val.npy"), "--out", out, ...extra];
}

function train(out: string, ...extra: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "train", ...trainArgs(out, ...extra)], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

const losses = (out: string) =>
  readMetrics(runPaths(out).metrics).map((r) =>
    r.kind === "train" ? `t${r.step}:${r.loss}` : `v${r.step}:${r.valLoss}`,
  );

describe("train end to end (ONNX Runtime, CPU)", () => {
  test("a tiny run writes config, run info, metrics, checkpoints and curves, and learns", () => {
    const out = join(d, "run");
    const r = train(out, "--max-steps", "20");
    expect(r.err).not.toContain("error:");
    expect(r.code).toBe(0);
    expect(r.out).toContain("resolved config");
    expect(r.out).toMatch(/done: 20 steps, 640 tokens/);
    expect(r.out).toMatch(/\nfinal val loss \d\.\d{4}\n/);
    expect(r.err).toMatch(/step 20\/20 {2}loss \d\.\d{4} {2}lr /);
    const cfg = JSON.parse(readFileSync(runPaths(out).config, "utf8"));
    expect(cfg.model.dModel).toBe(16);
    expect(JSON.parse(readFileSync(runPaths(out).info, "utf8")).gitCommit).toMatch(/^[0-9a-f]{40}$/);
    const records = readMetrics(runPaths(out).metrics);
    const val = records.flatMap((x) => (x.kind === "val" ? [x.valLoss] : []));
    expect(val.length).toBe(3); // steps 0, 10, 20
    expect(val[2]!).toBeLessThan(val[0]!);
    const ck = loadCheckpoint(checkpointPath(out, 20));
    expect(ck.iteration).toBe(20);
    expect(ck.state.step).toBe(20);
    expect(ck.config?.lrMax).toBe(0.01);
    expect(existsSync(runPaths(out).best)).toBe(true);
    expect(readFileSync(runPaths(out).curves, "utf8")).toContain("loss vs wall-clock time");
  });

  test("20 steps straight == 10 steps, then --resume auto to 20: identical losses, bit for bit", () => {
    const a = join(d, "straight");
    const b = join(d, "split");
    expect(train(a, "--max-steps", "20").code).toBe(0);
    expect(train(b, "--max-steps", "10").code).toBe(0);
    const resumed = train(b, "--max-steps", "20", "--resume");
    expect(resumed.err).not.toContain("error:");
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain("resuming from");
    expect(losses(b)).toEqual(losses(a));
    expect(losses(a).length).toBe(23);
    const pa = loadCheckpoint(checkpointPath(a, 20)).state.params;
    const pb = loadCheckpoint(checkpointPath(b, 20)).state.params;
    for (const [name, t] of Object.entries(pa)) expect(pb[name]!.data).toEqual(t.data);
  });

  test("resume refuses another architecture, naming the fields", () => {
    const out = join(d, "arch");
    expect(train(out, "--max-steps", "10").code).toBe(0);
    const r = train(out, "--max-steps", "20", "--resume", "auto", "--d-model", "32", "--num-heads", "4");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: cannot resume .*architecture differs .*dModel: 16 -> 32; numHeads: 2 -> 4/);
  });

  test("a diverging run stops with exit 1, says how to fix it and keeps the last good checkpoint", () => {
    const out = join(d, "nan");
    const r = train(
      out,
      "--max-steps",
      "20",
      "--lr-max",
      "1e30",
      "--lr-min",
      "0",
      "--warmup-steps",
      "0",
      "--steps-per-run",
      "1",
      "--checkpoint-every",
      "1",
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/training diverged: .*(NaN|Infinity) at step (\d+).*lower the learning rate/);
    const bad = Number(/at step (\d+)/.exec(r.err)![1]);
    const kept = listCheckpoints(out).map((c) => c.step);
    expect(kept.at(-1)).toBe(bad - 1);
    expect(r.err).toContain(`The last good checkpoint is ${checkpointPath(out, bad - 1)}`);
    const ck = loadCheckpoint(checkpointPath(out, bad - 1));
    for (const t of Object.values(ck.state.params)) expect(t.data.every(Number.isFinite)).toBe(true);
  });

  test("Ctrl-C saves a checkpoint, exits 130, and --resume auto finishes the run", async () => {
    const out = join(d, "sigint");
    const args = trainArgs(out, "--max-steps", "2000", "--cosine-steps", "2000", "--checkpoint-every", "0");
    const child = Bun.spawn(["bun", "packages/cli/src/main.ts", "train", ...args], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    const metrics = runPaths(out).metrics;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(existsSync(metrics) && readFileSync(metrics, "utf8").split("\n").length > 12)) {
      await Bun.sleep(20);
    }
    child.kill("SIGINT");
    expect(await child.exited).toBe(130);
    const stdout = await new Response(child.stdout).text();
    expect(stdout).toMatch(/interrupted at step \d+; saved .*step-\d+\.safetensors \(continue with --resume auto\)/);
    expect(stdout).toMatch(/\nlast measured val loss \d\.\d{4}\n/);
    expect(stdout).not.toContain("final val loss");
    const saved = listCheckpoints(out);
    expect(saved.length).toBe(1);
    // At a graph-run boundary: runs are K = 4 steps and end early at evaluations (--eval-every 10), so an
    // interrupt that lands after the run ending at step 10, 30, … saves there (train-loop.ts chunkEnd).
    const at = saved[0]!.step;
    expect({ at, boundary: at % 4 === 0 || at % 10 === 0 }).toEqual({ at, boundary: true });
    const resumed = train(out, "--max-steps", String(saved[0]!.step + 8), "--cosine-steps", "2000", "--resume");
    expect(resumed.code).toBe(0);
    expect(loadCheckpoint(checkpointPath(out, saved[0]!.step + 8)).iteration).toBe(saved[0]!.step + 8);
  });
});
