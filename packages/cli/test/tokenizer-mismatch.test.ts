// The tokenizer is checked against the run, through the CLI as a user runs it: generate and eval refuse a
// tokenizer whose sha256 is not the one the checkpoint records (same vocabulary size, other merges) or a
// recorded folder that has changed since, naming both sides; --allow-tokenizer-mismatch turns each refusal
// into a warning; train refuses a --tokenizer whose vocabulary size is not --vocab-size. Also the messages
// around them: eval's out-of-range ids give eval's advice (it has no --vocab-size), generate ends the echoed
// prompt's line before an error, and a --max-tokens beyond 2^53 is refused up front.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Rng } from "@cs336-ts/model";
import { tinyRunFlags } from "@cs336-ts/testkit";
import { saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import {
  createOnnxEngine,
  loadCheckpoint,
  resolveRunConfig,
  runTraining,
  saveCheckpoint,
  writeNpy,
} from "@cs336-ts/trainer";

const ROOT = resolve(import.meta.dir, "../../..");
const EOT = "<|endoftext|>";
const dir = mkdtempSync(join(tmpdir(), "tok-mismatch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

function stories(n: number, seed: number, names: string[]): string {
  const rng = Rng.seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.nextInt(xs.length)] as T;
  return Array.from(
    { length: n },
    () => `${pick(names)} had a ${pick(["red", "big", "small"])} ${pick(["ball", "cat", "kite"])}. The end.${EOT}\n`,
  ).join("");
}

async function tokenizer(name: string, text: string): Promise<string> {
  const out = join(dir, name);
  const bpe = await trainBpe({ input: new TextEncoder().encode(text), vocabSize: 280, specialTokens: [EOT] });
  saveTokenizerFiles(out, bpe.vocab, bpe.merges, [EOT]);
  return out;
}

let tokA = "";
let tokB = "";
let checkpoint = "";
const data = join(dir, "data.npy");

beforeAll(async () => {
  const text = stories(300, 1, ["Tom", "Lily", "Sam"]);
  tokA = await tokenizer("tok-a", text);
  tokB = await tokenizer("tok-b", stories(300, 2, ["Mia", "Ben", "Zoe"]));
  const tok = Tokenizer.fromDirectory(tokA);
  writeNpy(data, Uint16Array.from(tok.encode(text)));
  tok.dispose();
  const config = resolveRunConfig({
    model: { vocabSize: 280, contextLength: 16, dModel: 16, numLayers: 1, numHeads: 2, dFf: 32 },
    train: data,
    val: null,
    out: join(dir, "run"),
    tokenizer: tokA,
    batchSize: 2,
    maxSteps: 4,
    warmupSteps: 1,
    stepsPerRun: 2,
    threads: 1,
  });
  const r = await runTraining(
    { config, resume: null, resumePath: null, notes: [] },
    { engineFactory: createOnnxEngine, argv: ["test"], stderr: { write() {}, isTTY: false } },
  );
  checkpoint = r.checkpoint as string;
}, 60_000);

const generate = (...args: string[]) =>
  cli("generate", "--checkpoint", checkpoint, "--prompt", "Tom had", "--max-tokens", "3", "--threads", "1", ...args);
const evaluate = (...args: string[]) =>
  cli("eval", "--checkpoint", checkpoint, "--data", data, "--max-tokens", "32", "--threads", "1", ...args);

describe("a tokenizer other than the run's", () => {
  test("generate and eval accept the run's own tokenizer (recorded or passed)", () => {
    expect(generate().code).toBe(0);
    expect(generate("--tokenizer", tokA).code).toBe(0);
    const e = evaluate("--json");
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out).bitsPerByte).toBeGreaterThan(0);
  });

  test("generate and eval refuse one of the same size with other merges, naming both", () => {
    for (const r of [generate("--tokenizer", tokB), evaluate("--tokenizer", tokB)]) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        new RegExp(
          `error: the tokenizer in ${tokB} \\(sha256 [0-9a-f]{12}…\\) is not the one this checkpoint's run was ` +
            `trained with \\(sha256 [0-9a-f]{12}…, recorded in ${checkpoint}; its folder was ${tokA}\\)`,
        ),
      );
      expect(r.err).toContain(`pass --tokenizer ${tokA}, or --allow-tokenizer-mismatch to use this one anyway`);
    }
  });

  test("--allow-tokenizer-mismatch goes on with a warning", () => {
    for (const r of [
      generate("--tokenizer", tokB, "--allow-tokenizer-mismatch"),
      evaluate("--tokenizer", tokB, "--allow-tokenizer-mismatch"),
    ]) {
      expect(r.code).toBe(0);
      expect(r.err).toMatch(
        /warning: the tokenizer in .* is not the one .*; going on because of --allow-tokenizer-mismatch/,
      );
    }
  });

  test("a recorded tokenizer folder that changed since training is refused", () => {
    const moved = join(dir, "tok-c");
    cpSync(tokA, moved, { recursive: true });
    const ck = join(dir, "pointing-at-c.safetensors");
    const original = loadCheckpoint(checkpoint);
    saveCheckpoint(ck, { ...original, config: { ...original.config!, tokenizer: moved } });
    expect(cli("generate", "--checkpoint", ck, "--prompt", "Tom", "--max-tokens", "2").code).toBe(0);
    cpSync(join(tokB, "merges.txt"), join(moved, "merges.txt"));
    const r = cli("generate", "--checkpoint", ck, "--prompt", "Tom", "--max-tokens", "2");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`the tokenizer folder ${moved} has changed since the run used it`));
  });

  test("train refuses a --tokenizer whose vocabulary size is not --vocab-size", () => {
    const r = cli(
      "train",
      "--config",
      "configs/tinystories-cpu.json",
      "--train",
      data,
      "--val",
      "none",
      "--out",
      join(dir, "run-400"),
      "--tokenizer",
      tokA,
      ...tinyRunFlags({ vocabSize: 400, maxSteps: 2 }),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `error: the tokenizer in ${tokA} has 280 tokens but the model's vocab size (--vocab-size) is 400; ` +
        "set --vocab-size 280, or --allow-tokenizer-mismatch to use it anyway",
    );
  });
});

describe("messages", () => {
  test("eval: ids out of the model's range get eval's advice, not a --vocab-size it does not have", () => {
    const big = join(dir, "big-ids.npy");
    writeNpy(
      big,
      Uint16Array.from({ length: 100 }, (_, i) => (i === 40 ? 350 : 5)),
    );
    const r = cli("eval", "--checkpoint", checkpoint, "--data", big);
    expect(r.code).toBe(2);
    expect(r.err).toContain("token id 350 at position 40 is not in [0, 280)");
    expect(r.err).toContain("re-encode the text with the run's tokenizer");
    expect(r.err).not.toContain("--vocab-size");
  });

  test("generate: an error after the echoed prompt starts on a new line", () => {
    const broken = join(dir, "nan.safetensors");
    const ck = loadCheckpoint(checkpoint);
    for (const t of Object.values(ck.state.params)) t.data.fill(Number.NaN);
    saveCheckpoint(broken, ck);
    const r = cli("generate", "--checkpoint", broken, "--prompt", "Tom had", "--max-tokens", "3");
    expect(r.code).toBe(2);
    expect(r.out).toBe("Tom had\n");
    expect(r.err).toMatch(/^error: .*finite/);
  });

  test("generate: --max-tokens beyond 2^53 is refused before anything is loaded", () => {
    const r = generate("--max-tokens", "1e300");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--max-tokens must be at most 2^53 - 1, got 1e+300");
    expect(r.out).toBe("");
  });
});
