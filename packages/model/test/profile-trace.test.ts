// Profiling: a session created with `profilePrefix` writes ORT's trace on `endProfiling`, and summarizeTrace
// splits it into runs whose kernel time is positive and below the run's wall time, Loop bodies counted once
// (their nodes, not the Loop node as well); a trainer with `profilePrefix` produces the same kind of trace.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveModelConfig } from "../src/config.ts";
import { Graph } from "../src/graph/graph.ts";
import { add } from "../src/graph/ops-elementwise.ts";
import { matMul } from "../src/graph/ops-reduce.ts";
import { loop } from "../src/graph/loop.ts";
import { tensorOf } from "../src/graph/value.ts";
import { initParameters } from "../src/init.ts";
import { emitModel } from "../src/onnx/emit.ts";
import { Rng } from "../src/random.ts";
import { Session } from "../src/runtime/session.ts";
import { readTrace, summarizeTrace } from "../src/testing/profile-trace.ts";
import { createTrainer, initTrainState } from "../src/train/trainer.ts";

const dir = mkdtempSync(join(tmpdir(), "profile-trace-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("profile trace", () => {
  test("per-run kernel time from a session with a Loop", async () => {
    const g = new Graph("looped");
    const x = g.input("x", "float32", [64, 64]);
    const out = loop({ tripCount: 3, carried: [x] }, ({ carried }) => ({
      carried: [add(matMul(carried[0]!, x), 1)],
    }));
    g.output("y", out.carried[0]!);
    const prefix = join(dir, "looped");
    const s = await Session.create(emitModel(g), { intraOpThreads: 1, profilePrefix: prefix });
    const feed = { x: tensorOf("float32", [64, 64], new Float32Array(64 * 64).fill(0.01)) };
    await s.run(feed);
    await s.run(feed);
    s.endProfiling();
    await s.release();
    const { runs, byOp } = summarizeTrace(readTrace(prefix));
    expect(runs).toHaveLength(2);
    for (const r of runs) {
      expect(r.kernelUs).toBeGreaterThan(0);
      expect(r.kernelUs).toBeLessThanOrEqual(r.wallUs);
      expect(r.kernels).toBeGreaterThanOrEqual(6); // 3 iterations × (MatMul, Add) at least
    }
    expect(byOp.get("MatMul")?.calls).toBe(6);
    expect(byOp.has("Loop")).toBe(false);
  });

  test("a trainer created with profilePrefix writes a trace; missing traces are a clear error", async () => {
    const config = resolveModelConfig({
      vocabSize: 16,
      contextLength: 4,
      dModel: 8,
      numLayers: 1,
      numHeads: 2,
      dFf: 8,
    });
    const prefix = join(dir, "trainer");
    const hp = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };
    const trainer = await createTrainer(config, hp, { k: 2, batch: 1, profilePrefix: prefix });
    const state = initTrainState(initParameters(config, Rng.seeded(3)));
    const ids = Int32Array.from({ length: 8 }, (_, i) => i % 16);
    await trainer.step(state, [1e-3, 1e-3], ids, ids);
    trainer.endProfiling();
    await trainer.release();
    const { runs, byOp } = summarizeTrace(readTrace(prefix));
    expect(runs).toHaveLength(1);
    expect(byOp.get("LogSoftmax")?.calls).toBe(2); // once per optimizer step inside the Loop
    expect(() => readTrace(join(dir, "nothing-here"))).toThrow(/no ONNX Runtime profile/);
  });
});
