// A disk that fills up, on a real filesystem: a 3 MB tmpfs (root only; each test skips with a message
// otherwise). A checkpoint, an export and a metrics line that do not fit fail with an error naming the file
// and leave the previous file byte-identical with no temporary file beside it; training that hits a full
// disk says which file, that the last checkpoint is intact and that --resume auto continues — and it does.
import { describe, expect } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { initParameters, initTrainState, Rng } from "@cs336-ts/model";
import { fillDisk as fill, tmpfsTests } from "@cs336-ts/testkit";
import { exportCheckpoint } from "../src/inference/export.ts";
import { AtomicWriteError } from "../src/io/atomic-file.ts";
import { manualInterrupt } from "../src/loop/interrupt.ts";
import { planRun, runTraining } from "../src/loop/run-training.ts";
import { type Checkpoint, saveCheckpoint } from "../src/run/checkpoint.ts";
import { resolveRunConfig } from "../src/run/config.ts";
import { type MetricRecord, openMetrics } from "../src/run/metrics.ts";
import { checkpointPath, listCheckpoints } from "../src/run/run-dir.ts";
import { fixture } from "./support/loop-fixture.ts";
import { toyEngine } from "./support/toy-engine.ts";

const onTmpfs = tmpfsTests(3);

const config = resolveRunConfig({
  model: { vocabSize: 64, contextLength: 16, dModel: 64, numLayers: 1, numHeads: 2, dFf: 128 },
});

function checkpoint(seed: number): Checkpoint {
  const state = initTrainState(initParameters(config.model, Rng.seeded(seed)));
  return { model: config.model, state, iteration: seed, rng: null, config, elapsedSeconds: 0, valLoss: null };
}

const tempFiles = (dir: string) => readdirSync(dir).filter((n) => n.includes(".tmp-"));

function expectNoSpace(write: () => void, path: string) {
  let error: unknown;
  try {
    write();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(AtomicWriteError);
  expect((error as AtomicWriteError).code).toBe("ENOSPC");
  expect((error as Error).message).toStartWith(`cannot write ${path}: `);
}

describe("a full disk", () => {
  onTmpfs("a checkpoint that does not fit", (dir) => {
    const path = join(dir, "step.safetensors");
    saveCheckpoint(path, checkpoint(1));
    const before = readFileSync(path);
    fill(dir, 64 << 10); // less than one checkpoint (~0.4 MB)
    expectNoSpace(() => saveCheckpoint(path, checkpoint(2)), path);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
  });

  onTmpfs("an export that does not fit", (dir) => {
    const ck = join(dirname(dir), "export-source.safetensors"); // on the tmpfs, beside the filled folder
    saveCheckpoint(ck, checkpoint(3));
    const out = join(dir, "export");
    exportCheckpoint(ck, out);
    saveCheckpoint(ck, checkpoint(4));
    const model = readFileSync(join(out, "model.onnx"));
    const sidecar = readFileSync(join(out, "model.json"));
    // Room for the new model.onnx but not its model.json: the pair is published together or not at all.
    fill(dir, Math.ceil(model.length / 4096) * 4096);
    expectNoSpace(() => exportCheckpoint(ck, out), join(out, "model.json"));
    expect(readFileSync(join(out, "model.onnx")).equals(model)).toBe(true);
    expect(readFileSync(join(out, "model.json")).equals(sidecar)).toBe(true);
    expect(tempFiles(out)).toEqual([]);
    rmSync(ck);
  });

  onTmpfs("a metrics line that does not fit", (dir) => {
    const path = join(dir, "metrics.jsonl");
    const log = openMetrics(path, null);
    const line: MetricRecord = { kind: "val", step: 1, tokens: 0, time: 0, valLoss: 1 };
    log.append(line);
    fill(dir, 0);
    // A line larger than any space left: the kernel takes part of it, then refuses the rest.
    expectNoSpace(() => log.append({ ...line, step: 2, pad: " ".repeat(3 << 20) } as MetricRecord), path);
    log.close?.();
    expect(readFileSync(path, "utf8")).toBe(`${JSON.stringify(line)}\n`);
  });

  onTmpfs("training: the error names the file and the intact checkpoint, and --resume auto continues", async (dir) => {
    const out = join(dir, "run");
    const f = fixture({ out, maxSteps: 12, checkpointEvery: 4, stepsPerRun: 4, evalEvery: 0 });
    const train = (resume: string | null, full: boolean) =>
      runTraining(planRun({ preset: f.preset, overrides: {}, resume }), {
        engineFactory: async (c) => {
          const engine = toyEngine(c);
          const step = engine.step;
          engine.step = async (s, ...rest) => {
            // After the first checkpoint (step 4), leave room for metrics lines but not for a checkpoint.
            if (full && s.step === 4) fill(dir, 16 << 10);
            return step(s, ...rest);
          };
          return engine;
        },
        argv: [],
        stderr: { write() {}, isTTY: false },
        interrupt: manualInterrupt(() => false),
      });
    const first = checkpointPath(out, 4);
    await expect(train(null, true)).rejects.toThrow(
      `cannot write ${checkpointPath(out, 8)}: ENOSPC: no space left on device, write (the disk is full). ` +
        `Training stopped at step 8; the last checkpoint, ${first} (step 4), is intact: free some space and ` +
        "continue with --resume auto.",
    );
    expect(listCheckpoints(out).map((c) => c.step)).toEqual([4]);
    expect(tempFiles(join(out, "checkpoints"))).toEqual([]);
    rmSync(join(dir, "filler"));
    const resumed = await train("auto", false);
    expect(resumed.status).toBe("completed");
    expect(resumed.step).toBe(12);
  });
});
