// Checkpoints: round trip of weights, moments, step and iteration, the run metadata
// (generator state, config, val loss), atomic writes, and clear errors for truncated, corrupt, foreign
// and mismatched files.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  initParameters,
  type ParamMap,
  parameterSpecs,
  resolveModelConfig,
  Rng,
  writeSafetensors,
} from "@cs336-ts/model";
import {
  type Checkpoint,
  CheckpointError,
  loadCheckpoint,
  readCheckpointRunConfig,
  saveCheckpoint,
} from "../src/run/checkpoint.ts";
import { resolveRunConfig } from "../src/run/config.ts";

const small = { vocabSize: 40, contextLength: 8, dModel: 16, numLayers: 2, numHeads: 2, dFf: 24, ropeTheta: 10000 };

function randomWeights(seed: number): ParamMap {
  return initParameters(resolveModelConfig(small), Rng.seeded(seed));
}

/** A checkpoint saved outside a run, as CS336's save_checkpoint takes it: weights, moments, step, iteration. */
function outsideRun(params: ParamMap, adam: { m: ParamMap; v: ParamMap; step: number }, iteration: number): Checkpoint {
  const state = { params, m: adam.m, v: adam.v, step: adam.step };
  return {
    model: resolveModelConfig(small),
    state,
    iteration,
    rng: null,
    config: null,
    elapsedSeconds: 0,
    valLoss: null,
  };
}

const dir = () => mkdtempSync(join(tmpdir(), "ckpt-"));

describe("checkpoint round trip", () => {
  test("saveCheckpoint / loadCheckpoint keep every tensor bit for bit, the step and iteration", () => {
    const path = join(dir(), "a.safetensors");
    const w = randomWeights(1);
    const m = randomWeights(2);
    const v = randomWeights(3);
    saveCheckpoint(path, outsideRun(w, { m, v, step: 17 }, 20));
    const back = loadCheckpoint(path);
    expect(back.iteration).toBe(20);
    expect(back.state.step).toBe(17);
    expect(back.model).toMatchObject(small);
    const names = parameterSpecs(resolveModelConfig(small)).map((s) => s.name);
    expect(Object.keys(back.state.params).sort()).toEqual([...names].sort());
    for (const n of names) {
      expect(back.state.params[n]!.shape).toEqual(w[n]!.shape);
      expect(back.state.params[n]!.data).toEqual(w[n]!.data);
      expect(back.state.m[n]!.data).toEqual(m[n]!.data);
      expect(back.state.v[n]!.data).toEqual(v[n]!.data);
    }
  });

  test("run metadata survives: generator state, resolved config, elapsed time, val loss", () => {
    const config = resolveRunConfig({ model: small, lrMax: 0.01 });
    const params = randomWeights(4);
    const rng = Rng.seeded(5);
    rng.nextUint32();
    const ck: Checkpoint = {
      model: config.model,
      state: { params, m: params, v: params, step: 3 },
      iteration: 3,
      rng: rng.state(),
      config,
      elapsedSeconds: 12.5,
      valLoss: 2.25,
    };
    const path = join(dir(), "b.safetensors");
    saveCheckpoint(path, ck);
    const back = loadCheckpoint(path);
    expect(back.rng).toEqual(rng.state());
    expect(back.config).toEqual(config);
    expect(back.elapsedSeconds).toBe(12.5);
    expect(back.valLoss).toBe(2.25);
    expect(Rng.fromState(back.rng!).nextUint32()).toBe(rng.clone().nextUint32());
  });

  test("writes atomically: no temporary file is left and the file is a valid safetensors", () => {
    const d = dir();
    saveCheckpoint(
      join(d, "c"),
      outsideRun(randomWeights(1), { m: randomWeights(1), v: randomWeights(1), step: 1 }, 1),
    );
    expect(readdirSync(d)).toEqual(["c"]);
    const bytes = readFileSync(join(d, "c"));
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString());
    expect(header.__metadata__.format).toBe("cs336-ts-checkpoint");
    expect(header["m.layers.0.attn.q_proj.weight"].shape).toEqual([16, 16]);
  });

  test("saving refuses a missing or misshapen tensor", () => {
    const w = randomWeights(1);
    const bad = { ...w, "ln_final.weight": { data: new Float32Array(3), shape: [3] } };
    const path = join(dir(), "d");
    expect(() => saveCheckpoint(path, outsideRun(bad, { m: w, v: w, step: 0 }, 0))).toThrow(
      /tensor "ln_final.weight" has shape \[3\], the model needs \[16\]/,
    );
    const { "lm_head.weight": _, ...missing } = w;
    expect(() => saveCheckpoint(path, outsideRun(missing, { m: w, v: w, step: 0 }, 0))).toThrow(
      /"lm_head.weight" is missing/,
    );
    expect(existsSync(path)).toBe(false);
  });
});

describe("loading bad checkpoints", () => {
  const good = async () => {
    const path = join(dir(), "good.safetensors");
    saveCheckpoint(path, outsideRun(randomWeights(1), { m: randomWeights(2), v: randomWeights(3), step: 5 }, 5));
    return { path, bytes: readFileSync(path) };
  };

  test("a truncated file names the file and says it is corrupt or truncated", async () => {
    const { path, bytes } = await good();
    for (const keep of [4, 100, bytes.length - 10]) {
      writeFileSync(path, bytes.subarray(0, keep));
      expect(() => loadCheckpoint(path)).toThrow(CheckpointError);
      expect(() => loadCheckpoint(path)).toThrow(/good\.safetensors is not a usable checkpoint: .*(corrupt|truncated)/);
      // The path is named once, not again inside the reason.
      expect(() => loadCheckpoint(path)).toThrow(/^(?!.*good\.safetensors.*good\.safetensors)/);
    }
  });

  test("a folder is refused with the checkpoint files to pass instead", () => {
    const d = dir();
    expect(() => loadCheckpoint(d)).toThrow(new RegExp(`${d} is a folder; pass a checkpoint file from ${d}`));
    mkdirSync(join(d, "checkpoints"));
    expect(() => loadCheckpoint(d)).toThrow(
      /is a folder; pass a checkpoint file from .*checkpoints, e\.g\. .*best\.safetensors/,
    );
  });

  test("readCheckpointRunConfig reads the run config from the header, and names a bad file like loadCheckpoint", async () => {
    const { path } = await good();
    expect(readCheckpointRunConfig(path)).toBeNull();
    const config = resolveRunConfig({ model: small, tokenizer: "tok/dir" });
    const params = randomWeights(4);
    const withConfig = join(dir(), "run.safetensors");
    saveCheckpoint(withConfig, {
      model: config.model,
      state: { params, m: params, v: params, step: 1 },
      iteration: 1,
      rng: null,
      config,
      elapsedSeconds: 0,
      valLoss: null,
    });
    expect(readCheckpointRunConfig(withConfig)?.tokenizer).toBe("tok/dir");
    expect(() => readCheckpointRunConfig(join(dir(), "missing"))).toThrow(/missing not found/);
    const junk = join(dir(), "junk");
    writeFileSync(junk, "not a checkpoint");
    expect(() => readCheckpointRunConfig(junk)).toThrow(/junk is not a usable checkpoint/);
  });

  test("flipped data bytes fail the sha256 check", async () => {
    const { path, bytes } = await good();
    const copy = new Uint8Array(bytes);
    copy[copy.length - 5]! ^= 0xff;
    writeFileSync(path, copy);
    expect(() => loadCheckpoint(path)).toThrow(/does not match its sha256 \(the file is corrupt\)/);
  });

  test("garbage, a missing file, and a plain safetensors file", async () => {
    const d = dir();
    writeFileSync(join(d, "junk"), "this is not a checkpoint at all");
    expect(() => loadCheckpoint(join(d, "junk"))).toThrow(/junk is not a usable checkpoint/);
    expect(() => loadCheckpoint(join(d, "missing"))).toThrow(/checkpoint .*missing not found/);
    writeFileSync(
      join(d, "plain"),
      writeSafetensors([["w", { dtype: "F32", shape: [1], data: new Float32Array(1) }]], { x: "1" }),
    );
    expect(() => loadCheckpoint(join(d, "plain"))).toThrow(/no "cs336-ts-checkpoint" marker/);
  });

  test("another format version and a missing tensor are named", async () => {
    const d = dir();
    const w = randomWeights(1);
    const tensors = Object.entries(w).map(
      ([k, t]) => [k, { dtype: "F32", shape: t.shape, data: t.data }] as [string, never],
    );
    const md = { format: "cs336-ts-checkpoint", format_version: "99", iteration: "0", adam_step: "0" };
    writeFileSync(join(d, "v99"), writeSafetensors(tensors, { ...md, model_config: JSON.stringify(small) }));
    expect(() => loadCheckpoint(join(d, "v99"))).toThrow(/format version 99, this build reads version 1/);
    writeFileSync(
      join(d, "nom"),
      writeSafetensors(tensors, { ...md, format_version: "1", model_config: JSON.stringify(small) }),
    );
    expect(() => loadCheckpoint(join(d, "nom"))).toThrow(/tensor "m.token_embeddings.weight" is missing/);
    const full = [
      ...tensors,
      ...tensors.map(([k, t]) => [`m.${k}`, t] as [string, never]),
      ...tensors.map(([k, t]) => [`v.${k}`, t] as [string, never]),
    ];
    const withRng = (rng: string) =>
      writeSafetensors(full, { ...md, format_version: "1", model_config: JSON.stringify(small), rng_state: rng });
    writeFileSync(join(d, "rng-ok"), withRng("[1,2,3,4]"));
    expect(loadCheckpoint(join(d, "rng-ok")).rng).toEqual([1, 2, 3, 4]);
    writeFileSync(join(d, "rng-bad"), withRng("[1,2,3]"));
    expect(() => loadCheckpoint(join(d, "rng-bad"))).toThrow(/"rng_state" is \[1,2,3\], not four uint32 words/);
  });
});
