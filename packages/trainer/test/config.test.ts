// Run config: defaults, presets, flag overrides field by field, and validation messages that name the
// field, its flag and the fix; the shipped presets resolve and match CS336's numbers.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  architectureDiff,
  ConfigError,
  configFromFlags,
  cosineCycle,
  FIELDS,
  parsePreset,
  resolveRunConfig,
  TRAINING_DEFAULTS,
} from "../src/run/config.ts";
import { readPreset } from "../src/loop/run-training.ts";

const CONFIGS = join(import.meta.dir, "../../../configs");

describe("resolveRunConfig", () => {
  test("defaults fill every field and later layers win field by field", () => {
    const c = resolveRunConfig({ lrMax: 3e-3, model: { dModel: 64, numHeads: 4 } }, { lrMax: 5e-4 });
    expect(c.lrMax).toBe(5e-4);
    expect(c.model.dModel).toBe(64);
    expect(c.model.numLayers).toBe(4);
    expect(c.beta2).toBe(TRAINING_DEFAULTS.beta2);
  });

  test("every field has a distinct kebab-case flag, and flags parse to typed values", () => {
    const flags = FIELDS.map((f) => f.flag);
    expect(new Set(flags).size).toBe(flags.length);
    for (const f of flags) expect(f).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    const layer = configFromFlags(
      new Map<string, unknown>([
        ["lr-max", "3e-4"],
        ["d-model", "32"],
        ["norm-eps", "1e-6"],
        ["val", "none"],
        ["tied-embeddings", "true"],
        ["device", "cuda"],
      ]),
    );
    expect(layer).toEqual({
      lrMax: 3e-4,
      val: null,
      device: "cuda",
      model: { dModel: 32, eps: 1e-6, tiedEmbeddings: true },
    });
  });

  test.each([
    [{ batchSize: 0 }, /batchSize \(--batch-size\) must be an integer >= 1, got 0/],
    [{ lrMin: 1, lrMax: 0.1 }, /lrMin \(--lr-min\) must be a number in \[0, lr-max = 0\.1\]/],
    [{ beta2: 1 }, /beta2 \(--beta2\) must be in \[0, 1\)/],
    [{ warmupSteps: 2000, maxSteps: 1000 }, /warmupSteps \(2000\) must be smaller than maxSteps \(1000\)/],
    [{ cosineSteps: 10, warmupSteps: 20 }, /cosineSteps \(--cosine-steps 10\) must be greater than warmupSteps/],
    [{ device: "tpu" }, /device \(--device\) must be "cpu" or "cuda"/],
    [{ model: { dModel: 30, numHeads: 4 } }, /dModel \(30\) must be divisible by numHeads \(4\)/],
    [{ learningRate: 1 }, /unknown config field "learningRate"/],
  ] as [object, RegExp][])("refuses %j", (input, message) => {
    expect(() => resolveRunConfig(input)).toThrow(ConfigError);
    expect(() => resolveRunConfig(input)).toThrow(message);
  });

  test("flag values of the wrong type name the flag", () => {
    expect(() => configFromFlags(new Map([["device", "gpu"]]))).toThrow(/--device must be one of cpu, cuda, got "gpu"/);
    expect(() => configFromFlags(new Map([["batch-size", "1.5"]]))).toThrow(/--batch-size must be an integer/);
    expect(() => configFromFlags(new Map([["tied-embeddings", "yes"]]))).toThrow(/true or false/);
  });

  test("architectureDiff names each differing model field", () => {
    const a = resolveRunConfig({}).model;
    const b = resolveRunConfig({ model: { dModel: 256, numLayers: 2 } }).model;
    expect(architectureDiff(a, b)).toEqual(["dModel: 512 -> 256", "numLayers: 4 -> 2"]);
    expect(architectureDiff(a, a)).toEqual([]);
  });

  test("presets: bad JSON and non-objects are refused with the file name", () => {
    expect(() => parsePreset("{", "x.json")).toThrow(/x\.json is not valid JSON/);
    expect(() => parsePreset("[1]", "x.json")).toThrow(/x\.json must hold a JSON object/);
    expect(() => readPreset("configs/nope.json")).toThrow(/config file configs\/nope\.json not found/);
  });

  test("presets: a number beyond float64 (1e999 parses as Infinity) is named as written, not as null", () => {
    expect(() => parsePreset('{ "lrMax": 1e999 }', "x.json")).toThrow(
      /x\.json: lrMax must be a finite number, got 1e999/,
    );
    expect(() => parsePreset('{ "model": { "ropeTheta": -2E+400 } }', "x.json")).toThrow(
      /x\.json: model\.ropeTheta must be a finite number, got -2E\+400/,
    );
    expect(() => resolveRunConfig({ lrMax: Number.POSITIVE_INFINITY })).toThrow(
      /lrMax \(--lr-max\) must be a positive number, got Infinity/,
    );
  });
});

describe("shipped presets", () => {
  test("tinystories-h100 has CS336's model and ~327.68M tokens", () => {
    const c = resolveRunConfig(readPreset(join(CONFIGS, "tinystories-h100.json")));
    expect(c.model).toMatchObject({
      vocabSize: 10000,
      contextLength: 256,
      dModel: 512,
      dFf: 1344,
      numLayers: 4,
      numHeads: 16,
      ropeTheta: 10000,
    });
    expect(c.maxSteps * c.batchSize * c.model.contextLength).toBe(327_680_000);
    expect([c.beta1, c.beta2, c.weightDecay, c.gradClip, c.device]).toEqual([0.9, 0.95, 0.1, 1, "cuda"]);
  });

  test("owt-h100 is the same model with a 32000 vocabulary; tinystories-cpu resolves", () => {
    const owt = resolveRunConfig(readPreset(join(CONFIGS, "owt-h100.json")));
    expect(owt.model.vocabSize).toBe(32000);
    expect(owt.model.dModel).toBe(512);
    const cpu = resolveRunConfig(readPreset(join(CONFIGS, "tinystories-cpu.json")));
    expect(cpu.device).toBe("cpu");
    expect(cpu.model.dModel).toBeLessThanOrEqual(256);
  });

  test("--max-steps over a preset rescales the cosine schedule (presets leave cosineSteps unset)", () => {
    for (const name of ["tinystories-cpu", "tinystories-h100", "owt-h100"]) {
      const preset = readPreset(join(CONFIGS, `${name}.json`));
      expect(cosineCycle(resolveRunConfig(preset))).toBe(resolveRunConfig(preset).maxSteps);
      expect(cosineCycle(resolveRunConfig(preset, { maxSteps: 2000 }))).toBe(2000);
    }
  });
});
