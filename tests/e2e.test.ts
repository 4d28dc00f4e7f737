// End to end on a tiny model, in-process and through the CLI: train a BPE tokenizer on synthetic stories
// written here, encode, train a few steps with the ONNX engine, then generate (greedy twice → identical,
// and equal to the argmax chain), eval (loss, perplexity, bits per byte), export — plus the bad-input paths
// of generate and eval (missing files, a folder or corrupt checkpoint, mismatched or unrecorded tokenizer,
// ids out of range, bad flags).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@cs336-ts/model";
import { saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import {
  createOnnxEngine,
  generateWith,
  loadCheckpoint,
  loadInferenceModel,
  resolveRunConfig,
  runTraining,
  saveCheckpoint,
  writeNpy,
} from "@cs336-ts/trainer";
import { argmax } from "@cs336-ts/trainer/testing";

const dir = mkdtempSync(join(tmpdir(), "cs336-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(import.meta.dir, "../packages/cli/src/main.ts");
const EOT = "<|endoftext|>";

/** Small, very regular stories so a tiny model learns something in a few dozen steps. */
function stories(n: number, seed: number): string {
  const rng = Rng.seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.nextInt(xs.length)] as T;
  const names = ["Tom", "Lily", "Sam", "Mia", "Ben"];
  const things = ["ball", "cat", "kite", "cake", "tree", "dog"];
  const feelings = ["happy", "sad", "glad", "tired"];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const who = pick(names);
    const what = pick(things);
    out.push(
      `Once upon a time, ${who} had a ${pick(["big", "red", "little"])} ${what}. ${who} played with the ${what} ` +
        `every day. One day, the ${what} was lost. ${who} was ${pick(feelings)}. Then ${who} found the ${what} ` +
        `under the ${pick(things)}. The end.${EOT}\n`,
    );
  }
  return out.join("");
}

const run = (args: string[]) => {
  const p = Bun.spawnSync(["bun", cli, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
};

const tokDir = join(dir, "tokenizer");
const runDir = join(dir, "run");
let checkpoint = "";
let firstLoss = 0;
let valLoss: number | null = null;

beforeAll(async () => {
  const train = stories(400, 1);
  const valid = stories(60, 2);
  const bpe = await trainBpe({ input: new TextEncoder().encode(train), vocabSize: 320, specialTokens: [EOT] });
  mkdirSync(tokDir);
  saveTokenizerFiles(tokDir, bpe.vocab, bpe.merges, [EOT]);
  const tok = Tokenizer.fromDirectory(tokDir);
  writeNpy(join(dir, "train.npy"), Uint16Array.from(tok.encode(train)));
  writeNpy(join(dir, "valid.npy"), Uint16Array.from(tok.encode(valid)));
  const config = resolveRunConfig({
    model: { vocabSize: tok.vocabSize, contextLength: 32, dModel: 32, numLayers: 1, numHeads: 2, dFf: 64 },
    train: join(dir, "train.npy"),
    val: join(dir, "valid.npy"),
    out: runDir,
    tokenizer: tokDir,
    batchSize: 8,
    maxSteps: 60,
    lrMax: 1e-2,
    lrMin: 1e-3,
    warmupSteps: 5,
    stepsPerRun: 10,
    evalEvery: 60,
    evalBatches: 2,
    checkpointEvery: 60,
    logEvery: 10,
    seed: 3,
    threads: 1,
  });
  tok.dispose();
  const losses: number[] = [];
  const outcome = await runTraining(
    { config, resume: null, resumePath: null, notes: [] },
    {
      engineFactory: async (c) => {
        const engine = await createOnnxEngine(c);
        return {
          ...engine,
          step: async (...args) => {
            const out = await engine.step(...args);
            losses.push(...out.losses);
            return out;
          },
        };
      },
      argv: ["e2e"],
      stderr: { write: () => {}, isTTY: false },
    },
  );
  expect(outcome.status).toBe("completed");
  checkpoint = outcome.checkpoint as string;
  firstLoss = losses[0] as number;
  valLoss = outcome.valLoss;
}, 60_000);

describe("tiny model end to end", () => {
  test("training lowers the loss well below uniform", () => {
    expect(firstLoss).toBeGreaterThan(Math.log(320) - 1);
    expect(valLoss).not.toBeNull();
    expect(valLoss as number).toBeLessThan(firstLoss - 1.5);
  });

  test("greedy generation equals the argmax chain and repeats exactly", async () => {
    const { model } = await loadInferenceModel(checkpoint, { threads: 1 });
    const tok = Tokenizer.fromDirectory(tokDir);
    try {
      const req = { prompt: "Once upon a time, Tom", maxTokens: 20, temperature: 0, topP: 1, seed: 1 };
      let streamed = "";
      const r = await generateWith(model, tok, req, (s) => {
        streamed += s;
      });
      // The argmax chain, computed by hand from the same model.
      const ids = [...tok.encode(req.prompt)];
      const chain: number[] = [];
      const eot = tok.specialTokenIds.get(EOT);
      for (let i = 0; i < req.maxTokens; i++) {
        const next = argmax(await model.lastLogits(Int32Array.from(ids.slice(-model.contextLength))));
        if (next === eot) break;
        chain.push(next);
        ids.push(next);
      }
      expect(r.ids).toEqual(chain);
      expect(streamed).toBe(tok.decode(chain));
      expect(streamed).toMatch(/\b(had|played|the|a)\b/); // it learned the stories' words
      // A tiny temperature samples the same tokens as greedy (the argmax dominates).
      const cold = await generateWith(model, tok, { ...req, temperature: 1e-4, seed: 9 }, () => {});
      expect(cold.ids).toEqual(r.ids);
    } finally {
      await model.release();
      tok.dispose();
    }
  });

  test("cli generate streams text, is reproducible for a seed, and stops at <|endoftext|>", () => {
    const args = ["generate", "--checkpoint", checkpoint, "--prompt", "Once upon a time", "--max-tokens", "80"];
    const a = run([...args, "--seed", "4", "--threads", "1"]);
    const b = run([...args, "--seed", "4", "--threads", "1"]);
    expect(a.code).toBe(0);
    expect(a.out.startsWith("Once upon a time")).toBe(true);
    expect(a.out).toBe(b.out);
    expect(a.out).not.toContain(EOT);
    expect(a.err).toMatch(/tokens in .* tok\/s; stopped at (end-of-text|max-tokens)/);
    // Every training story ends "The end.<|endoftext|>": greedy decoding after that ending stops at once.
    const ending = "Then Tom found the ball under the tree. The end.";
    const greedy = run(["generate", "--checkpoint", checkpoint, "--prompt", ending, "--temperature", "0"]);
    expect(greedy.out).toBe(`${ending}\n`);
    expect(greedy.err).toMatch(/\[0 tokens in .*stopped at end-of-text\]/);
    // --top-k 1 leaves only the argmax, whatever the temperature: greedy's text.
    const greedyStory = run([...args, "--temperature", "0", "--threads", "1"]);
    const topOne = run([...args, "--temperature", "1.5", "--top-k", "1", "--seed", "8", "--threads", "1"]);
    expect(topOne.code).toBe(0);
    expect(topOne.out).toBe(greedyStory.out);
    expect(a.out).not.toBe(greedyStory.out);
  });

  test("cli eval reports loss, perplexity and bits per byte", () => {
    const r = run(["eval", "--checkpoint", checkpoint, "--data", join(dir, "valid.npy"), "--json", "--threads", "1"]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.loss).toBeGreaterThan(0);
    expect(res.loss).toBeLessThan(firstLoss);
    expect(res.perplexity).toBeCloseTo(Math.exp(res.loss), 6);
    expect(res.bitsPerByte).toBeGreaterThan(0);
    // Each scored byte costs loss·tokens/ln2 bits in total.
    expect(res.bitsPerByte).toBeCloseTo((res.loss * res.tokens) / Math.LN2 / res.bytes, 9);
    const text = run(["eval", "--checkpoint", checkpoint, "--data", join(dir, "valid.npy"), "--max-tokens", "64"]);
    expect(text.out).toMatch(/64 tokens scored in 2 windows of 32[\s\S]*perplexity[\s\S]*bits\/byte {3}\d/);
  });

  test("cli export writes a model.onnx", () => {
    const r = run(["export", "--checkpoint", checkpoint, "--out", join(dir, "export")]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "export", "model.onnx")).length).toBeGreaterThan(4 * 320 * 32);
  });
});

describe("bad input exits 2 with a clear message", () => {
  test("generate: missing checkpoint, missing tokenizer, wrong tokenizer, corrupt checkpoint, bad flags", async () => {
    const base = ["generate", "--prompt", "Hi"];
    expect(run([...base, "--checkpoint", join(dir, "none.safetensors"), "--tokenizer", tokDir])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/none\.safetensors not found/),
    });
    expect(run([...base, "--checkpoint", checkpoint, "--tokenizer", join(dir, "nowhere")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/tokenizer folder .*nowhere not found/),
    });
    const other = join(dir, "other-tokenizer");
    mkdirSync(other);
    const bpe = await trainBpe({
      input: new TextEncoder().encode(stories(50, 5)),
      vocabSize: 280,
      specialTokens: [EOT],
    });
    saveTokenizerFiles(other, bpe.vocab, bpe.merges, [EOT]);
    expect(run([...base, "--checkpoint", checkpoint, "--tokenizer", other])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/has 280 tokens but the model was trained with vocab size 320/),
    });
    const corrupt = join(dir, "corrupt.safetensors");
    const bytes = readFileSync(checkpoint);
    writeFileSync(corrupt, bytes.subarray(0, bytes.length - 100));
    expect(run([...base, "--checkpoint", corrupt, "--tokenizer", tokDir])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/corrupt or truncated/),
    });
    for (const [flag, value, why] of [
      ["--top-p", "1.5", /--top-p must be in \(0, 1\]/],
      ["--top-k", "-2", /--top-k must be >= 0/],
      ["--temperature", "-1", /--temperature must be >= 0/],
      ["--max-tokens", "2.5", /must be an integer/],
      ["--device", "tpu", /--device must be cpu or cuda/],
    ] as const) {
      const r = run([...base, "--checkpoint", checkpoint, flag, value]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(why);
    }
    expect(run(["generate", "--checkpoint", checkpoint])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/missing required flag --prompt/),
    });
    expect(run([...base, "--checkpoint", dir])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/is a folder; pass a checkpoint file/),
    });
    // A checkpoint saved outside a run records no tokenizer: generate needs --tokenizer, eval skips bits/byte.
    const bare = join(dir, "bare.safetensors");
    saveCheckpoint(bare, { ...loadCheckpoint(checkpoint), config: null });
    expect(run([...base, "--checkpoint", bare])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/recorded no tokenizer folder; pass --tokenizer DIR/),
    });
    expect(run([...base, "--checkpoint", bare, "--tokenizer", tokDir, "--max-tokens", "3"]).code).toBe(0);
    const noBpb = run(["eval", "--checkpoint", bare, "--data", join(dir, "valid.npy"), "--max-tokens", "64"]);
    expect(noBpb.code).toBe(0);
    expect(noBpb.err).toContain("recorded no tokenizer folder; bits/byte skipped (--tokenizer DIR gives it)");
    expect(noBpb.out).toMatch(/bits\/byte {3}n\/a/);
  });

  test("eval: missing data, ids out of range, too short, bad flags", () => {
    const base = ["eval", "--checkpoint", checkpoint];
    expect(run([...base, "--data", join(dir, "none.npy")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/cannot open .*none\.npy/),
    });
    writeNpy(
      join(dir, "big-ids.npy"),
      Uint16Array.from({ length: 100 }, (_, i) => (i === 50 ? 5000 : 1)),
    );
    expect(run([...base, "--data", join(dir, "big-ids.npy")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/5000/),
    });
    writeNpy(join(dir, "short.npy"), Uint16Array.from([1, 2, 3]));
    expect(run([...base, "--data", join(dir, "short.npy")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/at least contextLength \+ 1 = 33/),
    });
    expect(run([...base, "--data", join(dir, "valid.npy"), "--batch-size", "0"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--batch-size must be >= 1/),
    });
  });
});
