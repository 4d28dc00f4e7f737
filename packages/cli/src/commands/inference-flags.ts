// Flags and checks shared by the commands that run a trained model (generate, eval, demo): where the
// checkpoint and tokenizer come from (by default the tokenizer folder the checkpoint's run recorded), which
// device and how many threads, and the refusal of stray positional arguments (export and doctor use it too).
// Not a command itself: commands/index.ts lists the commands.
import { existsSync } from "node:fs";
import type { Device } from "@cs336-ts/model/runtime";
import { readCheckpointRunConfig } from "@cs336-ts/trainer";
import { UsageError } from "../flags.ts";

export const checkpointFlag = {
  checkpoint: { type: "string", required: true, help: "checkpoint (.safetensors) written by train" },
} as const;

export const deviceFlag = { device: { type: "string", help: "cpu or cuda", default: "cpu" } } as const;

/** Where the model runs: --device and --threads. */
export const runtimeFlags = {
  ...deviceFlag,
  threads: { type: "number", integer: true, help: "ONNX Runtime intra-op threads (0 = all cores)", default: 0 },
} as const;

/** Refuses positional arguments (a forgotten `--name` before a value). */
export function noPositionals(f: { _: string[] }): void {
  if (f._.length > 0) throw new UsageError(`unexpected arguments: ${f._.join(" ")} (flags take the form --name value)`);
}

/** --threads as ONNX Runtime's intra-op thread count; a negative one would reach it and be blamed on the model. */
export function parseThreads(value: number | undefined): number {
  const n = value ?? 0;
  if (n < 0) throw new UsageError(`--threads must be >= 0 (0 = all cores), got ${n}`);
  return n;
}

export function parseDevice(value: string | undefined): Device {
  if (value !== "cpu" && value !== "cuda") throw new UsageError(`--device must be cpu or cuda, got "${value}"`);
  return value;
}

/**
 * The tokenizer folder the checkpoint's run recorded (read from its header; a missing or corrupt checkpoint
 * fails here with its own message), or why there is none: none recorded, or the folder is gone.
 */
export function checkpointTokenizerDir(checkpoint: string): { dir: string } | { why: string } {
  const dir = readCheckpointRunConfig(checkpoint)?.tokenizer ?? null;
  if (dir === null) return { why: "the checkpoint's run recorded no tokenizer folder" };
  if (!existsSync(dir)) return { why: `the tokenizer folder ${dir} recorded by the checkpoint's run is gone` };
  return { dir };
}
