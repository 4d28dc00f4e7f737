// `bun run cli doctor`: what this machine can run (runtime, WASM build, tokenizer backend, ONNX Runtime
// providers, GPU, cores, memory), each problem with its fix. Exits 0 when CPU training works, 1 when
// something CPU-side is broken.
import { formatReport, runDoctor } from "../app/doctor/checks.ts";
import type { Command } from "../command.ts";
import { parseFlags } from "../flags.ts";
import { noPositionals } from "./inference-flags.ts";

const flags = {
  json: { type: "boolean", help: "print the checks as JSON", default: false },
  "try-cuda": { type: "boolean", help: "try a CUDA session even when nvidia-smi finds no GPU", default: false },
} as const;

const command: Command = {
  usage: "doctor [--json] [--try-cuda]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    noPositionals(f);
    const report = await runDoctor({ forceCuda: f["try-cuda"] === true });
    process.stdout.write(f.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.healthy ? 0 : 1;
  },
};

export default command;
