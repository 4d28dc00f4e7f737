// The command registry, in pipeline order. Each entry loads its module lazily so `--help` stays instant
// and one command's heavy imports (onnxruntime, WASM) never slow another.
import type { Command } from "../command.ts";

export type CommandEntry = { name: string; summary: string; load: () => Promise<Command> };

export const commands: CommandEntry[] = [
  {
    name: "demo",
    summary: "end to end on TinyStories: tokenizer, encode, train, eval, generate",
    load: async () => (await import("./demo.ts")).default,
  },
  {
    name: "download",
    summary: "fetch CS336's TinyStories or OpenWebText-sample text files (resumable)",
    load: async () => (await import("./download.ts")).default,
  },
  {
    name: "train-bpe",
    summary: "train a byte-level BPE tokenizer on text files",
    load: async () => (await import("./train-bpe.ts")).default,
  },
  {
    name: "encode",
    summary: "encode a text file into a token array (.npy) in parallel",
    load: async () => (await import("./encode.ts")).default,
  },
  {
    name: "tokstats",
    summary: "compare tokenizers on sampled documents: bytes/token and encode throughput",
    load: async () => (await import("./tokstats.ts")).default,
  },
  {
    name: "account",
    summary: "parameters, FLOPs, memory and training time of a model (CS336 accounting)",
    load: async () => (await import("./account.ts")).default,
  },
  {
    name: "train",
    summary: "train a Transformer LM on token arrays",
    load: async () => (await import("./train.ts")).default,
  },
  {
    name: "sweep",
    summary: "train a grid or list of configs into one folder, with a summary table and one plot",
    load: async () => (await import("./sweep.ts")).default,
  },
  {
    name: "eval",
    summary: "loss, perplexity and bits per byte of a checkpoint on a token array",
    load: async () => (await import("./eval.ts")).default,
  },
  {
    name: "generate",
    summary: "sample text from a checkpoint",
    load: async () => (await import("./generate.ts")).default,
  },
  {
    name: "export",
    summary: "write a standalone model.onnx inference graph with weights",
    load: async () => (await import("./export.ts")).default,
  },
  {
    name: "plot",
    summary: "overlay the learning curves of several runs as SVG",
    load: async () => (await import("./plot.ts")).default,
  },
  {
    name: "doctor",
    summary: "report the runtime, WASM build, tokenizer backend (native or WASM), ONNX Runtime and execution providers",
    load: async () => (await import("./doctor.ts")).default,
  },
];
