// `bun run demo` (= `bun run cli demo`): TinyStories end to end on the CPU in a few minutes — corpus,
// tokenizer, encode, train, evaluate, generate — with phase headers and timings. Outputs in runs/demo/.
import { formatDuration } from "@cs336-ts/trainer";
import { DEMO_DEFAULTS, DemoInterrupted, runDemo } from "../app/demo/run-demo.ts";
import { isHttpUrl } from "../app/download/http.ts";
import type { Command } from "../command.ts";
import { parseFlags, UsageError } from "../flags.ts";
import { deviceFlag, noPositionals, parseDevice } from "./inference-flags.ts";

const flags = {
  corpus: { type: "string", help: "train on this UTF-8 text file instead of TinyStories (split 90/10)" },
  out: { type: "string", help: "output folder", default: DEMO_DEFAULTS.out },
  "vocab-size": { type: "number", integer: true, help: "BPE vocabulary size", default: DEMO_DEFAULTS.vocabSize },
  "max-steps": { type: "number", integer: true, help: "training steps (default: the CPU preset's)" },
  "train-seconds": {
    type: "number",
    help: "stop training after this many seconds and go on with the last checkpoint",
    default: DEMO_DEFAULTS.trainSeconds,
  },
  prompt: { type: "string", help: "start of the generated story", default: DEMO_DEFAULTS.prompt },
  seed: { type: "number", integer: true, help: "seed for initialization, batches and sampling", default: 0 },
  ...deviceFlag,
  download: { type: "boolean", help: "download TinyStories when no local copy is found", default: true },
  "base-url": { type: "string", help: "mirror for the TinyStories download" },
} as const;

const command: Command = {
  usage: "demo [--corpus FILE] [--out DIR] [--max-steps N] [--vocab-size N] [--prompt TEXT]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    noPositionals(f);
    const device = parseDevice(f.device);
    const vocabSize = f["vocab-size"] as number;
    if (vocabSize < 258 || vocabSize > 65536) throw new UsageError("--vocab-size must be in [258, 65536]");
    if (f["max-steps"] !== undefined && f["max-steps"] < 1) throw new UsageError("--max-steps must be >= 1");
    if (!((f["train-seconds"] as number) > 0)) throw new UsageError("--train-seconds must be > 0");
    if (f["base-url"] !== undefined && !isHttpUrl(f["base-url"])) {
      throw new UsageError(`--base-url must be an http:// or https:// URL, got "${f["base-url"]}"`);
    }
    process.stdout.write(
      "cs336-ts demo: a byte-level BPE tokenizer and a small Transformer LM trained from scratch on TinyStories\n",
    );
    const r = await runDemo({
      trainSeconds: f["train-seconds"] as number,
      corpus: f.corpus ?? null,
      out: f.out as string,
      vocabSize,
      maxSteps: f["max-steps"] ?? null,
      limits: DEMO_DEFAULTS.limits,
      prompt: f.prompt as string,
      storyTokens: DEMO_DEFAULTS.storyTokens,
      evalTokens: DEMO_DEFAULTS.evalTokens,
      seed: f.seed as number,
      device,
      download: f.download as boolean,
      ...(f["base-url"] !== undefined ? { downloadOptions: { baseUrl: f["base-url"] } } : {}),
      log: (line) => process.stdout.write(`${line}\n`),
      stderr: { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true },
      writeStory: (text) => process.stdout.write(text),
    }).catch((e: unknown) => {
      if (!(e instanceof DemoInterrupted)) throw e;
      process.stdout.write(`demo interrupted: ${e.message}\n`);
      return e.exitCode;
    });
    if (typeof r === "number") return r;
    const phases = Object.entries(r.seconds)
      .filter(([k]) => k !== "total")
      .map(([k, s]) => `${k} ${formatDuration(s)}`)
      .join(", ");
    process.stdout.write(`timings: ${phases}\n`);
    return 0;
  },
};

export default command;
