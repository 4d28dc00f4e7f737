// `bun run cli export --checkpoint PATH --out DIR|FILE.onnx`: a standalone ONNX inference model with weights.
import { exportCheckpoint } from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { parseFlags } from "../flags.ts";
import { noPositionals } from "./inference-flags.ts";

const flags = {
  checkpoint: { type: "string", required: true, help: "checkpoint (.safetensors) to export" },
  out: { type: "string", required: true, help: "folder for model.onnx + model.json, or a path ending in .onnx" },
} as const;

const command: Command = {
  usage: "export --checkpoint PATH --out DIR|FILE.onnx",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    noPositionals(f);
    const r = exportCheckpoint(f.checkpoint as string, f.out as string);
    for (const t of r.removedTemps) process.stderr.write(`removed ${t}, a temporary file left by a killed export\n`);
    const mb = (r.bytes / 2 ** 20).toFixed(1);
    process.stdout.write(
      `wrote ${r.modelPath} (${mb} MiB, ${r.parameters.toLocaleString("en-US")} parameters)\n` +
        `      ${r.sidecarPath}\ninput: input_ids int64 (batch, seq) → output: logits float32 (batch, seq, vocab)\n`,
    );
    return 0;
  },
};

export default command;
