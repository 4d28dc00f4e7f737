// The kit's data and its CPU reference: a 10,000-token tokenizer trained on the TinyStories train head, both
// TinyStories heads encoded to .npy with it, and the first losses of the "match" run (tinystories-h100's model
// and optimizer, a 16-sequence batch, seed 0) trained here on the CPU, which the GPU run repeats with
// --device cuda and compares (compare-losses.ts). Both are cached under .gpu-kit/cache: the data by its input
// files, the reference by the model and trainer sources it ran (the 20 CPU steps take minutes).
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { readMetrics } from "@cs336-ts/trainer";
import { listFiles } from "./kit-parts.ts";

/** The run the GPU repeats; `--train/--val/--out/--device` are added by whoever runs it. */
export const MATCH = {
  preset: "configs/tinystories-h100.json",
  args: [
    ...["--batch-size", "16", "--max-steps", "20", "--warmup-steps", "5", "--steps-per-run", "10"],
    ...["--eval-every", "0", "--eval-batches", "2", "--checkpoint-every", "0", "--seed", "0"],
  ],
  steps: 20,
};

export type Reference = { preset: string; args: string[]; device: "cpu"; sourceHash: string; losses: number[] };

const TRAIN_TEXT = "tinystories_v1_train_head_2MiB.txt";
const VALID_TEXT = "tinystories_v1_valid_head_794k.txt";

function cli(root: string, args: string[]): void {
  const p = Bun.spawnSync([process.execPath, "packages/cli/src/main.ts", ...args], {
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (p.exitCode !== 0) throw new Error(`bun run cli ${args.join(" ")} failed (exit ${p.exitCode})`);
}

/** Content hash of the sources a CPU reference depends on (uncommitted edits included). */
function sourceHash(root: string): string {
  const h = createHash("sha256");
  for (const dir of ["packages/model/src", "packages/trainer/src", MATCH.preset]) {
    const abs = join(root, dir);
    const files = statSync(abs).isDirectory() ? listFiles(abs).map((f) => join(abs, f)) : [abs];
    for (const f of files) h.update(relative(root, f)).update(readFileSync(f));
  }
  return h.update(JSON.stringify(MATCH)).digest("hex").slice(0, 16);
}

/** tokenizer/, train.npy and valid.npy in `cache`/data, built once per input files. */
function buildData(root: string, cache: string, textDir: string): string {
  const texts = [TRAIN_TEXT, VALID_TEXT].map((f) => join(textDir, f));
  for (const t of texts) {
    if (!existsSync(t)) throw new Error(`${t} missing: pass --text-dir with the TinyStories heads (../shared/data)`);
  }
  const key = createHash("sha256")
    .update(texts.map((t) => `${t}:${statSync(t).size}`).join())
    .digest("hex")
    .slice(0, 16);
  const dir = join(cache, `data-${key}`);
  if (existsSync(join(dir, "done"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tok = join(dir, "tokenizer");
  cli(root, [
    "train-bpe",
    "--input",
    texts[0]!,
    "--vocab-size",
    "10000",
    "--special-token",
    "<|endoftext|>",
    "--out",
    tok,
  ]);
  cli(root, ["encode", "--tokenizer", tok, "--input", texts[0]!, "--out", join(dir, "train.npy")]);
  cli(root, ["encode", "--tokenizer", tok, "--input", texts[1]!, "--out", join(dir, "valid.npy")]);
  writeFileSync(join(dir, "done"), `${new Date().toISOString()}\n`);
  return dir;
}

/** The match run's first MATCH.steps losses on the CPU, trained on `data`'s arrays. */
function buildReference(root: string, cache: string, data: string): Reference {
  const hash = sourceHash(root);
  const file = join(cache, `reference-${hash}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Reference;
  const out = join(cache, `reference-run-${hash}`);
  rmSync(out, { recursive: true, force: true });
  const paths = ["--train", join(data, "train.npy"), "--val", join(data, "valid.npy"), "--out", out];
  cli(root, ["train", "--config", MATCH.preset, ...MATCH.args, ...paths, "--device", "cpu"]);
  const losses = readMetrics(join(out, "metrics.jsonl")).flatMap((r) => (r.kind === "train" ? [r.loss] : []));
  if (losses.length < MATCH.steps) throw new Error(`the CPU reference run logged ${losses.length} losses`);
  const ref: Reference = { preset: MATCH.preset, args: MATCH.args, device: "cpu", sourceHash: hash, losses };
  writeFileSync(file, `${JSON.stringify(ref, null, 2)}\n`);
  rmSync(out, { recursive: true, force: true });
  return ref;
}

/** Stages data/ (tokenizer, train.npy, valid.npy) and reference-cpu.json into `stage`. */
export function stageData(root: string, stage: string, cache: string, textDir: string): Reference {
  const data = buildData(root, cache, textDir);
  mkdirSync(join(stage, "data"), { recursive: true });
  for (const e of readdirSync(data))
    if (e !== "done") cpSync(join(data, e), join(stage, "data", e), { recursive: true });
  const ref = buildReference(root, cache, data);
  writeFileSync(join(stage, "reference-cpu.json"), `${JSON.stringify(ref, null, 2)}\n`);
  return ref;
}
