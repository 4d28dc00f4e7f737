// The demo pipeline on a tiny model and a synthetic corpus (seconds, not minutes): every phase runs and
// writes its files, the time budget stops training without failing the demo, and the CLI's bad input
// (a missing --corpus) exits 2 with the instructions. The full-size demo is timed by hand (see the report).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@cs336-ts/model";
import { type DemoOptions, runDemo } from "../src/app/demo/run-demo.ts";

const dir = mkdtempSync(join(tmpdir(), "cs336-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function corpus(n: number): string {
  const rng = Rng.seeded(11);
  const names = ["Tim", "Anna", "Max", "Sue"];
  const pets = ["dog", "bird", "fish", "frog"];
  return Array.from({ length: n }, () => {
    const who = names[rng.nextInt(4)];
    const pet = pets[rng.nextInt(4)];
    return `Once upon a time, ${who} had a ${pet}. The ${pet} liked to play. ${who} and the ${pet} were friends.<|endoftext|>\n`;
  }).join("");
}

const corpusPath = join(dir, "stories.txt");
writeFileSync(corpusPath, corpus(600));

function options(
  out: string,
  extra: Partial<DemoOptions> = {},
): { opts: DemoOptions; lines: string[]; story: string[] } {
  const lines: string[] = [];
  const story: string[] = [];
  return {
    lines,
    story,
    opts: {
      corpus: corpusPath,
      out,
      vocabSize: 300,
      maxSteps: 40,
      trainSeconds: 300,
      limits: { trainBytes: 1 << 20, validBytes: 1 << 16 },
      prompt: "Once upon a time",
      storyTokens: 30,
      evalTokens: 256,
      seed: 1,
      device: "cpu",
      download: false,
      overrides: {
        model: { contextLength: 32, dModel: 32, numLayers: 1, numHeads: 2, dFf: 64 },
        batchSize: 8,
        lrMax: 1e-2,
        warmupSteps: 4,
        stepsPerRun: 10,
        evalEvery: 20,
        evalBatches: 2,
        checkpointEvery: 40,
        threads: 1,
      },
      log: (l) => lines.push(l),
      stderr: { write: () => {}, isTTY: false },
      writeStory: (s) => story.push(s),
      ...extra,
    },
  };
}

describe("demo", () => {
  test("runs every phase, writes tokenizer, data and checkpoints, and prints a story", async () => {
    const out = join(dir, "full");
    const { opts, lines, story } = options(out);
    const r = await runDemo(opts);
    const text = lines.join("\n");
    for (const phase of ["1/6 corpus", "2/6 BPE tokenizer", "3/6 encode", "4/6 train", "5/6 evaluate", "6/6 a story"]) {
      expect(text).toContain(`== ${phase}`);
    }
    expect(existsSync(join(out, "tokenizer", "tokenizer.json"))).toBe(true);
    expect(existsSync(join(out, "data", "valid.npy"))).toBe(true);
    expect(existsSync(join(out, "run", "checkpoints"))).toBe(true);
    expect(r.valLoss).toBeLessThan(Math.log(300) - 1);
    expect(r.story.startsWith("Once upon a time")).toBe(true);
    expect(story.join("")).toBe(`\n${r.story}\n`);
    expect(Object.keys(r.seconds).sort()).toEqual([
      "corpus",
      "encode",
      "eval",
      "generate",
      "tokenizer",
      "total",
      "train",
    ]);
    // A second demo into the same folder starts fresh instead of refusing the existing run.
    const again = await runDemo(options(out).opts);
    expect(again.valLoss).toBeCloseTo(r.valLoss, 6);
  }, 60_000);

  test("the time budget stops training early and the demo still finishes", async () => {
    const { opts, lines } = options(join(dir, "budget"), { trainSeconds: 1e-3, maxSteps: 200 });
    const r = await runDemo(opts);
    expect(lines.join("\n")).toMatch(/training budget ran out at step \d+ of 200/);
    expect(Number.isFinite(r.valLoss)).toBe(true);
  }, 60_000);

  test("--max-steps below the preset's warmup gets a whole schedule (warmup a tenth, cosine to the end)", async () => {
    const base = options(join(dir, "short"));
    const { warmupSteps: _, ...overrides } = base.opts.overrides ?? {};
    const { opts } = options(join(dir, "short"), { trainSeconds: 1e-3, maxSteps: 20, overrides });
    await runDemo(opts);
    const config = JSON.parse(readFileSync(join(dir, "short", "run", "config.json"), "utf8"));
    expect([config.maxSteps, config.warmupSteps, config.cosineSteps]).toEqual([20, 2, null]);
  }, 60_000);

  test("cli: a missing --corpus exits 2 and says how to give one", () => {
    const cli = join(import.meta.dir, "../src/main.ts");
    const p = Bun.spawnSync(["bun", cli, "demo", "--corpus", join(dir, "missing.txt"), "--out", join(dir, "x")], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(p.exitCode).toBe(2);
    expect(p.stderr.toString()).toMatch(/no such file; give the demo a text corpus: `bun run demo --corpus FILE`/);
  });

  test("cli: a --base-url that is not an http(s) URL exits 2 before anything runs", () => {
    // It reached fetch, whose refusal was reported as "this machine seems to be offline".
    const cli = join(import.meta.dir, "../src/main.ts");
    const p = Bun.spawnSync(["bun", cli, "demo", "--base-url", "mirror.example.org", "--out", join(dir, "y")]);
    expect(p.exitCode).toBe(2);
    expect(p.stderr.toString()).toStartWith(
      'error: --base-url must be an http:// or https:// URL, got "mirror.example.org"\n',
    );
    expect(p.stdout.toString()).toBe("");
  });
});
