// export: a checkpoint becomes a standalone model.onnx; loaded from disk by ONNX Runtime (through the runtime
// module) it gives the logits of an independently built graph (CS336 parameters fed as inputs) and of the
// in-process inference model, for several batch sizes and sequence lengths (symbolic dims).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initParameters, resolveModelConfig, Rng, zerosLikeParams } from "@cs336-ts/model";
import { Graph, parameterInputs, summarizeModel, transformerLm } from "@cs336-ts/model/graph";
import { runGraph, Session } from "@cs336-ts/model/runtime";
import { saveCheckpoint } from "../src/run/checkpoint.ts";
import { exportCheckpoint } from "../src/inference/export.ts";
import { createInferenceModel } from "../src/inference/from-checkpoint.ts";

const dir = mkdtempSync(join(tmpdir(), "cs336-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(import.meta.dir, "../../cli/src/main.ts");

const config = resolveModelConfig({ vocabSize: 61, contextLength: 12, dModel: 24, numLayers: 2, numHeads: 3, dFf: 40 });
const params = initParameters(config, Rng.seeded(5));
const ckPath = join(dir, "step-7.safetensors");
saveCheckpoint(ckPath, {
  model: config,
  state: { params, m: zerosLikeParams(params), v: zerosLikeParams(params), step: 7 },
  iteration: 7,
  rng: null,
  config: null,
  elapsedSeconds: 1,
  valLoss: null,
});

/** Logits from H4's layers with the weights fed as graph inputs: a separate construction of the same model. */
async function referenceLogits(ids: Int32Array, B: number, T: number): Promise<Float32Array> {
  const g = new Graph();
  const p = parameterInputs(g, config);
  g.output("logits", transformerLm(g.input("tokens", "int32", [B, T]), p, config));
  const feeds: Parameters<typeof runGraph>[1] = { tokens: { dtype: "int32", shape: [B, T], data: ids } };
  for (const [name, t] of Object.entries(params)) feeds[name] = { dtype: "float32", shape: t.shape, data: t.data };
  return (await runGraph(g, feeds)).logits?.data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

describe("export", () => {
  const r = exportCheckpoint(ckPath, join(dir, "out"));

  test("writes model.onnx with symbolic input_ids → logits and every weight as an initializer", () => {
    expect(r.modelPath).toBe(join(dir, "out", "model.onnx"));
    const summary = summarizeModel(readFileSync(r.modelPath));
    expect(summary.opset).toBe(23);
    expect(summary.inputs).toEqual([{ name: "input_ids", dtype: "int64", shape: ["batch", "seq"] }]);
    expect(summary.outputs).toEqual([{ name: "logits", dtype: "float32", shape: ["batch", "seq", 61] }]);
    const inits = new Map(summary.initializers.map((i) => [i.name, i.shape]));
    for (const [name, t] of Object.entries(params)) expect(inits.get(name)).toEqual(t.shape);
    const sidecar = JSON.parse(readFileSync(r.sidecarPath, "utf8"));
    expect(sidecar.model).toEqual(config);
    expect(sidecar.iteration).toBe(7);
    expect(r.parameters).toBe(Object.values(params).reduce((n, t) => n + t.data.length, 0));
  });

  test("the file loaded by ONNX Runtime matches an independent graph and in-process inference", async () => {
    const session = await Session.create(readFileSync(r.modelPath));
    const inproc = await createInferenceModel(config, params);
    try {
      for (const [B, T] of [
        [1, 1],
        [2, 5],
        [3, 12],
      ] as const) {
        const rng = Rng.seeded(B * 100 + T);
        const ids = Int32Array.from({ length: B * T }, () => rng.nextInt(config.vocabSize));
        const out = await session.run({
          input_ids: { dtype: "int64", shape: [B, T], data: BigInt64Array.from(ids, (x) => BigInt(x)) },
        });
        const fromFile = out.logits?.data as Float32Array;
        expect(out.logits?.shape).toEqual([B, T, config.vocabSize]);
        expect(maxAbsDiff(fromFile, await referenceLogits(ids, B, T))).toBeLessThan(1e-5);
        expect(maxAbsDiff(fromFile, await inproc.logits(ids, B, T))).toBe(0);
      }
    } finally {
      await session.release();
      await inproc.release();
    }
  });

  test("in-process inference reads a context that is a subarray at its offset (generation crops so)", async () => {
    const inproc = await createInferenceModel(config, params);
    try {
      const rng = Rng.seeded(11);
      const all = Int32Array.from({ length: 40 }, () => rng.nextInt(config.vocabSize));
      const T = config.contextLength;
      const view = all.subarray(all.length - T);
      expect(view.byteOffset).toBeGreaterThan(0);
      expect(await inproc.lastLogits(view)).toEqual(await inproc.lastLogits(Int32Array.from(view)));
      expect(await inproc.lastLogits(view)).not.toEqual(await inproc.lastLogits(all.subarray(0, T)));
    } finally {
      await inproc.release();
    }
  });

  test("a path ending in .onnx is used as the file name", () => {
    const r2 = exportCheckpoint(ckPath, join(dir, "named", "tiny.onnx"));
    expect(r2.modelPath).toBe(join(dir, "named", "tiny.onnx"));
    expect(r2.sidecarPath).toBe(join(dir, "named", "tiny.json"));
  });
});

describe("cli export", () => {
  const run = (args: string[]) => {
    const p = Bun.spawnSync(["bun", cli, "export", ...args], { stdout: "pipe", stderr: "pipe" });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  test("exports and prints the contract", () => {
    const res = run(["--checkpoint", ckPath, "--out", join(dir, "cli")]);
    expect(res.code).toBe(0);
    expect(res.out).toContain(`wrote ${join(dir, "cli", "model.onnx")}`);
  });

  test("missing, corrupt and truncated checkpoints and bad flags exit 2 with a clear message", () => {
    expect(run(["--out", dir])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/missing required flag --checkpoint/),
    });
    expect(run(["--checkpoint", join(dir, "nope.safetensors"), "--out", dir])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/nope\.safetensors not found/),
    });
    const truncated = join(dir, "truncated.safetensors");
    writeFileSync(truncated, readFileSync(ckPath).subarray(0, 2000));
    expect(run(["--checkpoint", truncated, "--out", join(dir, "t")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/corrupt or truncated/),
    });
    const garbage = join(dir, "garbage.safetensors");
    writeFileSync(garbage, "this is not a checkpoint at all");
    expect(run(["--checkpoint", garbage, "--out", join(dir, "g")]).code).toBe(2);
    expect(run(["--checkpoint", ckPath, "--out", dir, "--fp16"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown flag --fp16/),
    });
  });
});
