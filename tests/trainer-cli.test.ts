// `bun run cli train` bad-input paths, run as a user would (a spawned CLI): unknown and malformed flags,
// a missing preset or data file, ids out of the vocabulary, a corrupt checkpoint, a refused architecture.
// Each must exit 2 with one clear `error:` line and write no run folder contents it should not.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tinyRunFlags } from "@cs336-ts/testkit";
import { writeNpy } from "@cs336-ts/trainer";

const ROOT = resolve(import.meta.dir, "..");

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "train", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

function tinyData() {
  const d = mkdtempSync(join(tmpdir(), "train-cli-"));
  writeNpy(
    join(d, "train.npy"),
    Uint16Array.from({ length: 2000 }, (_, i) => (i * 7) % 50),
  );
  writeNpy(
    join(d, "val.npy"),
    Uint16Array.from({ length: 500 }, (_, i) => (i * 3) % 50),
  );
  const tiny = [
    "--train",
    join(d, "train.npy"),
    "--val",
    join(d, "val.npy"),
    "--out",
    join(d, "run"),
    ...tinyRunFlags({ vocabSize: 64, maxSteps: 4 }),
    "--steps-per-run",
    "2",
  ];
  return { d, tiny };
}

const PRESET = "configs/tinystories-cpu.json";

describe("train: bad input", () => {
  test("an unknown flag is rejected with a suggestion and the help", () => {
    const r = cli("--config", PRESET, "--lr-maxx", "3e-4");
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: unknown flag --lr-maxx (did you mean --lr-max?)");
    expect(r.err).toContain("usage: bun run cli train");
  });

  test("malformed values name the flag", () => {
    expect(cli("--config", PRESET, "--batch-size", "many").err).toContain('--batch-size must be a number, got "many"');
    expect(cli("--config", PRESET, "--device", "tpu").err).toContain('--device must be one of cpu, cuda, got "tpu"');
    const r = cli("--config", PRESET, "--d-model", "100", "--num-heads", "3");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: dModel \(100\) must be divisible by numHeads \(3\)/);
  });

  test("no preset and no checkpoint, or a missing preset", () => {
    expect(cli("--max-steps", "3").err).toContain("error: pass --config configs/NAME.json");
    expect(cli("--config", "configs/nope.json").err).toContain("error: config file configs/nope.json not found");
  });

  test("a missing data file says how to make one", () => {
    const { d, tiny } = tinyData();
    const r = cli("--config", PRESET, ...tiny, "--train", join(d, "absent.npy"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: --train file .*absent\.npy not found; make it with `bun run cli encode`/);
    expect(existsSync(join(d, "run", "checkpoints"))).toBe(false);
  });

  test("ids out of the vocabulary are caught before training, with position and fix", () => {
    const { d, tiny } = tinyData();
    const r = cli("--config", PRESET, ...tiny, "--vocab-size", "40");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/train\.npy: token id 4\d at position \d+ is not in \[0, 40\).*--vocab-size/);
    expect(existsSync(join(d, "run", "metrics.jsonl"))).toBe(false);
  });

  test("a corrupt checkpoint on --resume is a clear error", () => {
    const { d, tiny } = tinyData();
    writeFileSync(join(d, "bad.safetensors"), "garbage");
    const r = cli("--config", PRESET, ...tiny, "--resume", join(d, "bad.safetensors"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: .*bad\.safetensors is not a usable checkpoint: .*(corrupt|truncated)/);
  });

  // On a machine with a GPU and the CUDA provider installed this would train instead.
  const hasGpu = Bun.which("nvidia-smi") !== null;
  test.skipIf(hasGpu)(
    "--device cuda without the CUDA provider names the install command and leaves no run folder",
    () => {
      const { d, tiny } = tinyData();
      const r = cli("--config", PRESET, ...tiny, "--device", "cuda");
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/error: cannot start ONNX Runtime on cuda:0: .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
      expect(existsSync(join(d, "run"))).toBe(false);
    },
  );
});
