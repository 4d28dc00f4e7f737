// `bun run cli eval --checkpoint PATH --data FILE.npy [--tokenizer DIR]`: loss, perplexity, bits per byte.
import { createStatusLine, evaluateCheckpoint } from "@cs336-ts/trainer";
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
  data: { type: "string", required: true, help: "token array (.npy) written by encode" },
  tokenizer: {
    type: "string",
    help: "tokenizer folder, for bits per byte (default: the one in the checkpoint's run config, if any)",
  },
  "batch-size": { type: "number", integer: true, help: "windows of context-length tokens per model call", default: 8 },
  "max-tokens": { type: "number", integer: true, help: "score at most this many tokens (default: all)" },
  json: { type: "boolean", help: "print the result as one JSON line", default: false },
  "allow-tokenizer-mismatch": {
    type: "boolean",
    help: "use a --tokenizer other than the run's (different hash or vocabulary size) for bits/byte, with a warning",
  },
  ...runtimeFlags,
} as const;

const command: Command = {
  usage: "eval --checkpoint PATH --data FILE.npy [--tokenizer DIR] [--batch-size N] [--max-tokens N]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    noPositionals(f);
    const device = parseDevice(f.device);
    const threads = parseThreads(f.threads);
    if ((f["batch-size"] as number) < 1) throw new UsageError("--batch-size must be >= 1");
    if (f["max-tokens"] !== undefined && f["max-tokens"] < 1) throw new UsageError("--max-tokens must be >= 1");
    let tokenizer = f.tokenizer ?? null;
    if (tokenizer === null) {
      // Without a tokenizer there are no byte lengths: bits per byte is skipped, loss and perplexity remain.
      const recorded = checkpointTokenizerDir(f.checkpoint as string);
      if ("dir" in recorded) tokenizer = recorded.dir;
      else process.stderr.write(`note: ${recorded.why}; bits/byte skipped (--tokenizer DIR gives it)\n`);
    }
    const status = createStatusLine({ write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true });
    const r = await evaluateCheckpoint({
      checkpoint: f.checkpoint as string,
      data: f.data as string,
      tokenizer,
      batchSize: f["batch-size"] as number,
      ...(f["max-tokens"] !== undefined ? { maxTokens: f["max-tokens"] } : {}),
      device,
      threads,
      allowTokenizerMismatch: f["allow-tokenizer-mismatch"] === true,
      warn: (m) => process.stderr.write(`${m}\n`),
      // Only a terminal gets the running count, erased once the result is printed.
      onProgress: status.isTTY ? (done, total) => status.show(`eval ${done}/${total} tokens`) : undefined,
    });
    status.clear();
    if (f.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    const bpb = r.bitsPerByte === null ? "n/a (pass --tokenizer DIR)" : r.bitsPerByte.toFixed(4);
    process.stdout.write(
      `checkpoint step ${r.iteration} on ${f.data}: ${r.tokens.toLocaleString("en-US")} tokens scored in ` +
        `${r.windows} windows of ${r.contextLength}` +
        (r.unscored > 0 ? ` (${r.unscored} not scored)` : "") +
        `\nloss        ${r.loss.toFixed(4)} nats/token\nperplexity  ${r.perplexity.toFixed(3)}\nbits/byte   ${bpb}\n`,
    );
    return 0;
  },
};

export default command;
