// The end-to-end demo (README quick start, `bun run demo`): find TinyStories (corpus.ts), train a BPE
// tokenizer, encode train and validation text to .npy, train the CPU preset (configs/tinystories-cpu.json)
// on it, evaluate on the held-out text and sample a story, each phase timed. Everything goes to runs/demo/;
// the library calls are the same ones the CLI commands make. Leaves out: hyperparameter search and resuming
// a demo (each run starts the model from scratch; the tokenizer and encoded data are rebuilt too).
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parameterCount } from "@cs336-ts/model";
import type { Device } from "@cs336-ts/model/runtime";
import { saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import {
  checkRunFolderFree,
  createOnnxEngine,
  dtypeForVocab,
  END_OF_TEXT,
  type EvalReport,
  exitCodeOf,
  evaluateCheckpoint,
  formatDuration,
  generateWith,
  installInterrupt,
  type Interrupt,
  loadInferenceModel,
  readPreset,
  resolveRunConfig,
  type RunConfig,
  type RunConfigInput,
  runTraining,
  TRAINING_DEFAULTS,
  writeNpy,
} from "@cs336-ts/trainer";
import type { DownloadOptions } from "../download/datasets.ts";
import { REPO_ROOT } from "../repo-root.ts";
import { type CorpusLimits, type DemoCorpus, findCorpus } from "./corpus.ts";

export type DemoOptions = {
  corpus: string | null;
  out: string;
  vocabSize: number;
  /** Optimizer steps; null = the preset's. */
  maxSteps: number | null;
  /** Wall-clock seconds training may take; past it the run stops at the next graph run and the demo goes on. */
  trainSeconds: number;
  limits: CorpusLimits;
  prompt: string;
  storyTokens: number;
  /** Validation tokens scored by the final evaluation (whole windows). */
  evalTokens: number;
  seed: number;
  device: Device;
  download: boolean;
  downloadOptions?: Partial<DownloadOptions>;
  preset?: string;
  /** Extra config fields over the preset (tests shrink the model). */
  overrides?: RunConfigInput;
  /** Phase headers and summaries. */
  log: (line: string) => void;
  /** The training progress line and the streamed story. */
  stderr: { write(s: string): void; isTTY: boolean };
  writeStory: (text: string) => void;
};

export const DEMO_DEFAULTS = {
  out: "runs/demo",
  vocabSize: 4096,
  limits: { trainBytes: 2 << 20, validBytes: 256 << 10 },
  prompt: "Once upon a time",
  storyTokens: 200,
  evalTokens: 32_768,
  seed: 0,
  // Keeps the whole demo under 10 minutes on a busy 2-core machine (an idle one needs about half of it).
  trainSeconds: 420,
} as const;

/** A signal during the demo's training: the checkpoint is saved, then the demo stops (exit 130 for Ctrl-C). */
export class DemoInterrupted extends Error {
  override name = "DemoInterrupted";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Ctrl-C (saves a checkpoint, then stops) or the time budget running out (the demo goes on). */
function budgetInterrupt(seconds: number, note: (m: string) => void): Interrupt & { budgetHit(): boolean } {
  const sigint = installInterrupt(note);
  const deadline = performance.now() + seconds * 1000;
  let hit = false;
  return {
    requested: () => {
      if (!hit && performance.now() > deadline) hit = true;
      return sigint.requested() || hit;
    },
    budgetHit: () => hit && !sigint.requested(),
    reason: () => sigint.reason?.() ?? null,
    dispose: () => sigint.dispose(),
  };
}

export type DemoResult = {
  corpus: string;
  valLoss: number;
  perplexity: number;
  bitsPerByte: number | null;
  story: string;
  seconds: Record<"corpus" | "tokenizer" | "encode" | "train" | "eval" | "generate" | "total", number>;
};

const show = (p: string) => relative(process.cwd(), p) || ".";

async function corpusPhase(o: DemoOptions): Promise<DemoCorpus> {
  const c = await findCorpus({
    corpus: o.corpus,
    repoRoot: REPO_ROOT,
    limits: o.limits,
    download: o.download,
    ...(o.downloadOptions ? { downloadOptions: o.downloadOptions } : {}),
    log: (l) => o.log(`   ${l}`),
  });
  o.log(`   from ${c.source}`);
  o.log(`   train ${kib(c.train)} KiB, validation ${kib(c.valid)} KiB`);
  if (c.note) o.log(`   ${c.note}`);
  return c;
}

async function tokenizerPhase(o: DemoOptions, corpus: DemoCorpus, tokDir: string): Promise<Tokenizer> {
  const bpe = await trainBpe({
    input: new TextEncoder().encode(corpus.train),
    vocabSize: o.vocabSize,
    specialTokens: [END_OF_TEXT],
  });
  mkdirSync(tokDir, { recursive: true });
  saveTokenizerFiles(tokDir, bpe.vocab, bpe.merges, [END_OF_TEXT]);
  o.log(`   ${bpe.merges.length} merges → ${show(tokDir)}/`);
  return Tokenizer.fromDirectory(tokDir);
}

type DataPaths = { train: string; valid: string };

function encodePhase(o: DemoOptions, corpus: DemoCorpus, tokenizer: Tokenizer, paths: DataPaths): void {
  mkdirSync(dirname(paths.train), { recursive: true });
  const dtype = dtypeForVocab(tokenizer.vocabSize);
  for (const [name, text] of [
    ["train", corpus.train],
    ["valid", corpus.valid],
  ] as const) {
    const ids = tokenizer.encode(text);
    writeNpy(paths[name], dtype === "uint16" ? Uint16Array.from(ids) : ids);
    o.log(
      `   ${name}: ${ids.length.toLocaleString("en-US")} tokens (${(text.length / ids.length).toFixed(2)} chars/token) → ${show(paths[name])}`,
    );
  }
}

/** The CPU preset (or o.preset) sized to the tokenizer, on the demo's data, always a fresh run. */
function demoConfig(o: DemoOptions, vocabSize: number, paths: DataPaths, tokDir: string, runDir: string): RunConfig {
  // The demo always trains from scratch: an earlier demo's run folder is replaced, never resumed — unless a
  // demo still training there holds it.
  checkRunFolderFree(runDir);
  if (existsSync(runDir)) rmSync(runDir, { recursive: true, force: true });
  const preset = readPreset(o.preset ?? join(REPO_ROOT, "configs", "tinystories-cpu.json"));
  // --max-steps gets a whole schedule: the cosine ends there, and warmup shrinks to at most a tenth of it.
  const warmup = o.overrides?.warmupSteps ?? preset.warmupSteps ?? TRAINING_DEFAULTS.warmupSteps;
  return resolveRunConfig(preset, {
    ...o.overrides,
    model: { ...o.overrides?.model, vocabSize },
    train: paths.train,
    val: paths.valid,
    out: runDir,
    tokenizer: tokDir,
    seed: o.seed,
    device: o.device,
    ...(o.maxSteps !== null
      ? { maxSteps: o.maxSteps, cosineSteps: null, warmupSteps: Math.min(warmup, Math.floor(o.maxSteps / 10)) }
      : {}),
  });
}

function trainTitle(config: RunConfig): string {
  const m = config.model;
  return (
    `train ${m.numLayers} layers × ${m.dModel} wide (${(parameterCount(m) / 1e6).toFixed(2)}M parameters), ` +
    `${config.maxSteps} steps of ${config.batchSize}×${m.contextLength} tokens on ${config.device}`
  );
}

/** Trains to the end or the time budget; returns the checkpoint the rest of the demo uses. */
async function trainPhase(o: DemoOptions, config: RunConfig): Promise<string> {
  const interrupt = budgetInterrupt(o.trainSeconds, (m) => o.stderr.write(`\n${m}\n`));
  const result = await runTraining(
    { config, resume: null, resumePath: null, notes: [] },
    {
      engineFactory: createOnnxEngine,
      argv: ["demo"],
      stderr: o.stderr,
      interrupt,
    },
  );
  if (result.status === "interrupted" && !interrupt.budgetHit()) {
    throw new DemoInterrupted(result.message, exitCodeOf(result.stoppedBy));
  }
  if (result.status === "diverged" || !result.checkpoint)
    throw new Error(`training ${result.status}: ${result.message}`);
  if (result.status === "interrupted") {
    o.log(
      `   the ${formatDuration(o.trainSeconds)} training budget ran out at step ${result.step} of ${config.maxSteps} ` +
        "(the machine is busy or slow); going on with that checkpoint",
    );
  } else {
    o.log(`   ${result.message}`);
  }
  return result.checkpoint;
}

async function evalPhase(o: DemoOptions, checkpoint: string, data: string, tokDir: string): Promise<EvalReport> {
  const r = await evaluateCheckpoint({
    checkpoint,
    data,
    tokenizer: tokDir,
    batchSize: 8,
    maxTokens: o.evalTokens,
    device: o.device,
  });
  o.log(
    `   ${r.tokens.toLocaleString("en-US")} tokens: loss ${r.loss.toFixed(4)}, perplexity ${r.perplexity.toFixed(2)}` +
      (r.bitsPerByte !== null ? `, ${r.bitsPerByte.toFixed(3)} bits/byte` : ""),
  );
  return r;
}

async function storyPhase(o: DemoOptions, checkpoint: string, tokenizer: Tokenizer): Promise<string> {
  const { model } = await loadInferenceModel(checkpoint, { device: o.device });
  try {
    o.writeStory(`\n${o.prompt}`);
    const r = await generateWith(
      model,
      tokenizer,
      { prompt: o.prompt, maxTokens: o.storyTokens, temperature: 0.8, topP: 0.95, seed: o.seed },
      o.writeStory,
    );
    o.writeStory("\n");
    return o.prompt + r.text;
  } finally {
    await model.release();
  }
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const out = resolve(o.out);
  const started = performance.now();
  const seconds = {} as DemoResult["seconds"];
  let phase = 0;
  const timed = async <T>(key: keyof DemoResult["seconds"], title: string, fn: () => Promise<T> | T): Promise<T> => {
    o.log(`\n== ${++phase}/6 ${title}`);
    const t0 = performance.now();
    const value = await fn();
    seconds[key] = (performance.now() - t0) / 1000;
    o.log(`   (${formatDuration(seconds[key])})`);
    return value;
  };

  const corpus = await timed("corpus", "corpus", () => corpusPhase(o));
  mkdirSync(out, { recursive: true });
  const tokDir = join(out, "tokenizer");
  const tokenizer = await timed("tokenizer", `BPE tokenizer (vocab ${o.vocabSize}, ${END_OF_TEXT})`, () =>
    tokenizerPhase(o, corpus, tokDir),
  );
  const paths = { train: join(out, "data", "train.npy"), valid: join(out, "data", "valid.npy") };
  await timed("encode", "encode", () => encodePhase(o, corpus, tokenizer, paths));
  const config = demoConfig(o, tokenizer.vocabSize, paths, tokDir, join(out, "run"));
  const checkpoint = await timed("train", trainTitle(config), () => trainPhase(o, config));
  const evalResult = await timed("eval", "evaluate on held-out validation text", () =>
    evalPhase(o, checkpoint, paths.valid, tokDir),
  );
  const story = await timed("generate", `a story (temperature 0.8, top-p 0.95, seed ${o.seed})`, () =>
    storyPhase(o, checkpoint, tokenizer),
  );
  tokenizer.dispose();
  seconds.total = (performance.now() - started) / 1000;
  o.log(
    `\ndone in ${formatDuration(seconds.total)}: validation loss ${evalResult.loss.toFixed(4)} ` +
      `(perplexity ${evalResult.perplexity.toFixed(2)}). Everything is in ${show(out)}/; try\n` +
      `  bun run cli generate --checkpoint ${show(checkpoint)} --prompt "Once upon a time"\n` +
      `  bun run cli eval --checkpoint ${show(checkpoint)} --data ${show(paths.valid)}`,
  );
  return {
    corpus: corpus.source,
    valLoss: evalResult.loss,
    perplexity: evalResult.perplexity,
    bitsPerByte: evalResult.bitsPerByte,
    story,
    seconds,
  };
}

function kib(text: string): string {
  return (Buffer.byteLength(text, "utf8") / 1024).toFixed(0);
}
