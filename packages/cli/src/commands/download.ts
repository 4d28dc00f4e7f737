// `bun run cli download tinystories|owt --out DIR`: fetch CS336's datasets with resume and a progress line.
import { existsSync, statSync } from "node:fs";
import { createStatusLine } from "@cs336-ts/trainer";
import { downloadDataset, isDatasetName, type Split } from "../app/download/datasets.ts";
import { formatProgress, isHttpUrl } from "../app/download/http.ts";
import type { Command } from "../command.ts";
import { parseFlags, UsageError } from "../flags.ts";

const flags = {
  out: { type: "string", help: "folder for the text files", default: "data" },
  split: { type: "string", help: "train, valid or all", default: "all" },
  "base-url": { type: "string", help: "mirror to fetch from instead of the dataset's public URL" },
  retries: { type: "number", integer: true, help: "automatic resumes after a dropped connection", default: 3 },
} as const;

const command: Command = {
  usage: "download tinystories|owt [--out DIR] [--split train|valid|all] [--base-url URL]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    const [name, ...extra] = f._;
    if (name === undefined) throw new UsageError("name a dataset: tinystories or owt");
    if (!isDatasetName(name)) throw new UsageError(`unknown dataset "${name}" (choose tinystories or owt)`);
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    const split = f.split as string;
    if (!["train", "valid", "all"].includes(split)) {
      throw new UsageError(`--split must be train, valid or all, got "${split}"`);
    }
    if ((f.retries as number) < 0) throw new UsageError("--retries must be >= 0");
    const baseUrl = f["base-url"];
    if (baseUrl !== undefined && !isHttpUrl(baseUrl)) {
      throw new UsageError(`--base-url must be an http:// or https:// URL, got "${baseUrl}"`);
    }
    const out = f.out as string;
    if (existsSync(out) && !statSync(out).isDirectory()) {
      throw new Error(`--out ${out} is a file; give a folder (it is created if missing)`);
    }
    const status = createStatusLine({ write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true });
    const files = await downloadDataset(name, {
      out,
      split: split as Split | "all",
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      retries: f.retries as number,
      progressEveryMs: status.isTTY ? 250 : 5000,
      log: (line) => {
        // The last progress state stays on screen above the message.
        status.done();
        process.stderr.write(`${line}\n`);
      },
      onProgress: (p) => {
        status.show(formatProgress(p), true);
        if (p.done) status.done();
      },
    });
    for (const file of files) process.stdout.write(`${file.split}\t${file.path}\t${file.bytes} bytes\n`);
    return 0;
  },
};

export default command;
