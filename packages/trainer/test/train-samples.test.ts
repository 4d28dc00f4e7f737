// Samples during training (--sample-every) through runTraining: the host toy engine trains, the real ONNX
// inference session samples from its parameters through a byte-level tokenizer. samples.jsonl gets one line
// per sampleEvery steps (graph runs end on those steps) and at the end, the progress output shows each, a
// sample equals `generate`'s from the same step's checkpoint, and a resumed run cuts the file back to its
// checkpoint and ends with the samples of a run that never stopped.
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveTokenizerFiles, trainBpe } from "@cs336-ts/tokenizer";
import { generateFromCheckpoint } from "../src/inference/from-checkpoint.ts";
import { manualInterrupt } from "../src/loop/interrupt.ts";
import { planRun, runTraining } from "../src/loop/run-training.ts";
import type { RunConfigInput } from "../src/run/config.ts";
import { readSamples } from "../src/run/samples.ts";
import { checkpointPath, runPaths } from "../src/run/run-dir.ts";
import { fixture } from "./support/loop-fixture.ts";
import { toyEngine } from "./support/toy-engine.ts";

const EOT = "<|endoftext|>";
let tokenizer = "";

beforeAll(async () => {
  // 256 bytes and <|endoftext|>: the fixture's ids (< 24) are all bytes, the model's vocabulary is 257.
  const bpe = await trainBpe({ input: new TextEncoder().encode("ab"), vocabSize: 257, specialTokens: [EOT] });
  tokenizer = mkdtempSync(join(tmpdir(), "sample-tok-"));
  saveTokenizerFiles(tokenizer, bpe.vocab, bpe.merges, [EOT]);
});

const MODEL = { vocabSize: 257, contextLength: 8, dModel: 16, numLayers: 1, numHeads: 2, dFf: 16 };

async function train(preset: string, overrides: RunConfigInput, resume: string | null, stopAfter?: number) {
  let steps = 0;
  let stderr = "";
  const r = await runTraining(planRun({ preset, overrides, resume }), {
    engineFactory: async (c) => {
      const engine = toyEngine(c);
      const step = engine.step;
      engine.step = async (s, lrs, x, y) => {
        steps += lrs.length;
        return step(s, lrs, x, y);
      };
      return engine;
    },
    argv: [],
    stderr: { write: (s) => (stderr += s), isTTY: false },
    interrupt: manualInterrupt(() => stopAfter !== undefined && steps >= stopAfter),
  });
  return { r, stderr };
}

const samplePreset = (extra: RunConfigInput = {}) =>
  fixture({
    model: MODEL,
    tokenizer,
    sampleEvery: 6,
    samplePrompt: "ab",
    sampleTokens: 5,
    sampleTemperature: 1,
    sampleTopP: 0.9,
    maxSteps: 14,
    ...extra,
  });

describe("samples during training", () => {
  test("every sampleEvery steps and at the end: samples.jsonl and the progress output", async () => {
    const f = samplePreset();
    const { r, stderr } = await train(f.preset, {}, null);
    expect(r.status).toBe("completed");
    const samples = readSamples(runPaths(f.out).samples);
    expect(samples.map((s) => s.step)).toEqual([6, 12, 14]);
    for (const s of samples) {
      expect(s).toMatchObject({ prompt: "ab", temperature: 1, topP: 0.9, seed: 7 + s.step, tokens: s.step * 32 });
      expect(["end-of-text", "max-tokens"]).toContain(s.stoppedAt);
      // Each token decodes to at most one character (a lone byte of a split character is U+FFFD).
      expect([...s.text].length).toBeLessThanOrEqual(5);
      expect(stderr).toContain(`step ${s.step}: sample ${JSON.stringify(`ab${s.text}`)}`);
    }
    // The same draw as `generate` from the checkpoint of that step with the same settings.
    const g = await generateFromCheckpoint(
      {
        checkpoint: checkpointPath(f.out, 14),
        tokenizer,
        prompt: "ab",
        maxTokens: 5,
        temperature: 1,
        topP: 0.9,
        seed: 7 + 14,
      },
      () => {},
    );
    expect(g.text).toBe(samples.at(-1)!.text);
  });

  test("a resumed run drops the samples past its checkpoint and ends with the uninterrupted run's", async () => {
    const straight = samplePreset();
    await train(straight.preset, {}, null);
    const f = samplePreset();
    // Graph runs end at 4, 5, 6, 8, 10, 12, …: asked to stop after step 11, the run finishes the graph run to
    // 12, takes its sample and saves. Resuming from the checkpoint at 10 abandons step 12 and its sample.
    const first = await train(f.preset, {}, null, 11);
    expect(first.r.status).toBe("interrupted");
    expect(readSamples(runPaths(f.out).samples).map((s) => s.step)).toEqual([6, 12]);
    await train(f.preset, {}, checkpointPath(f.out, 10));
    // Training seconds differ between the two; everything else is the same.
    const drawn = (out: string) => readSamples(runPaths(out).samples).map(({ time: _, ...s }) => s);
    expect(drawn(f.out)).toEqual(drawn(straight.out));
    expect(drawn(f.out).map((s) => s.step)).toEqual([6, 12, 14]);
  });

  test("without a tokenizer --sample-every is refused before training", () => {
    const f = fixture({ model: MODEL, sampleEvery: 5 });
    expect(() => planRun({ preset: f.preset, overrides: {}, resume: null })).toThrow(/needs the data's tokenizer/);
  });
});
