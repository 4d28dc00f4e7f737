// `bun run cli generate --checkpoint PATH --tokenizer DIR --prompt TEXT`: stream a sampled continuation. The
// prompt is echoed before the sample; an error after that starts on a line of its own.
import { generateFromCheckpoint } from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { parseFlags, UsageError } from "../flags.ts";
import {
  checkpointFlag,
  checkpointTokenizerDir,
  noPositionals,
  parseDevice,
  parseThreads,
  runtimeFlags,
} from "./inference-flags.ts";

const flags = {
  ...checkpointFlag,
  tokenizer: { type: "string", help: "tokenizer folder (default: the one recorded in the checkpoint's run config)" },
  prompt: { type: "string", required: true, help: 'text to continue ("" starts from <|endoftext|>)' },
  "max-tokens": { type: "number", integer: true, help: "most tokens to sample", default: 256 },
  temperature: { type: "number", help: "softmax temperature; 0 = greedy", default: 0.8 },
  "top-p": { type: "number", help: "nucleus mass in (0, 1]; 1 = off", default: 0.95 },
  "top-k": {
    type: "number",
    integer: true,
    help: "sample from the k most likely tokens (before top-p); 0 = off",
    default: 0,
  },
  seed: { type: "number", integer: true, help: "sampling seed", default: 0 },
  "allow-tokenizer-mismatch": {
    type: "boolean",
    help: "use a --tokenizer other than the run's (different hash or vocabulary size), with a warning",
  },
  ...runtimeFlags,
} as const;

const command: Command = {
  usage:
    "generate --checkpoint PATH --tokenizer DIR --prompt TEXT [--max-tokens N --temperature T --top-p P --top-k K --seed S]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    noPositionals(f);
    const device = parseDevice(f.device);
    const threads = parseThreads(f.threads);
    const temperature = f.temperature as number;
    const topP = f["top-p"] as number;
    if (temperature < 0) throw new UsageError(`--temperature must be >= 0 (0 = greedy), got ${temperature}`);
    if (!(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], got ${topP}`);
    const topK = f["top-k"] as number;
    if (topK < 0) throw new UsageError(`--top-k must be >= 0 (0 = off), got ${topK}`);
    const maxTokens = f["max-tokens"] as number;
    if (maxTokens < 0) throw new UsageError("--max-tokens must be >= 0");
    const checkpoint = f.checkpoint as string;
    let tokenizer = f.tokenizer;
    if (tokenizer === undefined) {
      const recorded = checkpointTokenizerDir(checkpoint);
      if ("why" in recorded) throw new UsageError(`${recorded.why}; pass --tokenizer DIR (the train-bpe output)`);
      tokenizer = recorded.dir;
    }
    const prompt = f.prompt as string;
    let lastChar = "\n";
    const out = (text: string) => {
      if (text === "") return;
      process.stdout.write(text);
      lastChar = text.at(-1) as string;
    };
    const report = await generateFromCheckpoint(
      {
        checkpoint,
        tokenizer,
        prompt,
        maxTokens,
        temperature,
        topP,
        topK,
        seed: f.seed as number,
        device,
        threads,
        allowTokenizerMismatch: f["allow-tokenizer-mismatch"] === true,
        warn: (m) => process.stderr.write(`${m}\n`),
      },
      out,
      () => out(prompt),
    ).catch((e) => {
      // The terminal shows stdout and stderr on one screen: end the echoed text before the error.
      if (lastChar !== "\n") process.stdout.write("\n");
      throw e;
    });
    process.stdout.write("\n");
    const rate = report.ids.length / Math.max(report.seconds, 1e-9);
    process.stderr.write(
      `[${report.ids.length} tokens in ${report.seconds.toFixed(2)} s, ${rate.toFixed(1)} tok/s; ` +
        `stopped at ${report.stoppedAt}]\n`,
    );
    return 0;
  },
};

export default command;
