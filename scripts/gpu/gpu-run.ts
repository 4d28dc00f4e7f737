// The GPU run itself, started by run-on-gpu.sh once the kit is unpacked and installed: doctor, the placement
// check (opset 23, and 19 if 23 leaves real work on the CPU), throughput of both H100 presets at K=stepsPerRun
// and K=1, the CPU-reference loss match, and a short real training run, each a child process with a time cap
// inside one overall budget (most important first; what no longer fits is skipped and says so). Writes to
// OUT: results.json, summary.md and details.tar.gz (every step's output). `--cpu-check` runs the same chain on
// the CPU with small shapes: how the kit is tested here before any GPU time is spent.
//   bun scripts/gpu/gpu-run.ts --kit DIR --out DIR [--budget-s 360] [--cpu-check]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { add, emitModel, Graph } from "@cs336-ts/model/graph";
import { Session } from "@cs336-ts/model/runtime";
import { compareLosses, runLosses } from "./compare-losses.ts";
import { gpuName } from "./gpu-info.ts";
import { formatSummary, type Results, type StepRecord } from "./gpu-summary.ts";
import { sha256File } from "./kit-parts.ts";

const { values: args } = parseArgs({
  options: {
    kit: { type: "string" },
    out: { type: "string" },
    "budget-s": { type: "string", default: "360" },
    "cpu-check": { type: "boolean", default: false },
  },
});
if (!args.kit || !args.out) throw new Error("--kit DIR and --out DIR are required");
const kit = args.kit;
const out = args.out;
const cpu = args["cpu-check"] === true;
const device = cpu ? "cpu" : "cuda";
const details = join(out, "details");
const runs = join(kit, "runs");
rmSync(runs, { recursive: true, force: true });
mkdirSync(details, { recursive: true });
const deadline = performance.now() + Number(args["budget-s"]) * 1000;
const bun = process.execPath;
const cliMain = "packages/cli/src/main.ts";

const manifest = JSON.parse(readFileSync(join(kit, "kit.json"), "utf8")) as {
  match: { preset: string; args: string[]; steps: number };
};
const reference = JSON.parse(readFileSync(join(kit, "reference-cpu.json"), "utf8")) as { losses: number[] };
const results: Results = { device, gpu: cpu ? null : gpuName(), startedAt: new Date().toISOString(), steps: [] };
results.bun = `${Bun.version} at ${process.execPath}`;
results.ortLibrary = await loadedOrtLibrary();
results.throughput = [];

/** Which libonnxruntime this process maps once a session exists (the swapped-in wheel's, if the install took). */
async function loadedOrtLibrary(): Promise<{ path: string; sha256: string } | null> {
  const g = new Graph("probe");
  g.output("y", add(g.input("x", "float32", [1]), 1));
  const s = await Session.create(emitModel(g));
  await s.release();
  const maps = readFileSync("/proc/self/maps", "utf8").split("\n");
  const path = maps.map((l) => l.split(/\s+/)[5] ?? "").find((p) => /libonnxruntime\.so/.test(p));
  return path ? { path, sha256: sha256File(path) } : null;
}

/** Runs one step as a child process, capped by its own limit and by what is left of the budget. */
async function step(name: string, cmd: string[], capS: number, opts: { minS?: number; signal?: "SIGINT" } = {}) {
  const leftS = (deadline - performance.now()) / 1000 - 10;
  const limitS = Math.min(capS, leftS);
  const record: StepRecord = { name, cmd: cmd.join(" "), code: null, seconds: 0, limitS, timedOut: false };
  results.steps.push(record);
  if (limitS < (opts.minS ?? 20)) {
    record.skipped = `out of time (${leftS.toFixed(0)} s left of the budget)`;
    console.log(`== ${name}: skipped, ${record.skipped}`);
    return { ...record, text: "" };
  }
  console.log(`== ${name} (cap ${limitS.toFixed(0)} s): ${record.cmd}`);
  const t0 = performance.now();
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", env: process.env });
  const stop = setTimeout(() => {
    record.timedOut = true;
    p.kill(opts.signal ?? "SIGKILL");
    if (opts.signal) setTimeout(() => p.kill("SIGKILL"), 45_000); // a SIGINTed run saves its checkpoint first
  }, limitS * 1000);
  const [so, se] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  record.code = await p.exited;
  clearTimeout(stop);
  record.seconds = (performance.now() - t0) / 1000;
  const text = `${so}${se ? `\n--- stderr ---\n${se}` : ""}`;
  writeFileSync(join(details, `${name}.txt`), text);
  console.log(
    `${text.trim().split("\n").slice(-12).join("\n")}\n-- ${name}: exit ${record.code} in ${record.seconds.toFixed(1)} s`,
  );
  return { ...record, text };
}

const lastJson = (text: string) => {
  const line = text
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  return line ? (JSON.parse(line) as Record<string, unknown>) : null;
};

// Presets: the real H100 ones on the GPU; on the CPU the same chain on shapes a 2-core machine runs in seconds.
const presets = cpu ? ["configs/tinystories-cpu.json"] : ["configs/tinystories-h100.json", "configs/owt-h100.json"];
const small = cpu ? ["--batch-size", "2"] : [];

await step("doctor", [bun, cliMain, "doctor", ...(cpu ? [] : ["--try-cuda"])], 90);

const placement = async (opset: number) => {
  const r = await step(
    `placement-opset${opset}`,
    [
      bun,
      "scripts/gpu/placement.ts",
      "--config",
      presets[0]!,
      "--opset",
      String(opset),
      "--device",
      device,
      "--out",
      details,
      ...small,
    ],
    150,
  );
  const file = join(details, `placement-opset${opset}.json`);
  return { code: r.code, report: existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null };
};
const p23 = await placement(23);
results.placement = { 23: p23.report };
results.opset = 23;
// Exit 3: nodes on the CPU for want of CUDA kernels; opset 19 is the emitter's fallback for exactly that.
if (p23.code === 3 && !cpu) {
  const p19 = await placement(19);
  results.placement[19] = p19.report;
  if (p19.code === 0) results.opset = 19;
}

const throughput = async (preset: string, k: number | null) => {
  const name = `throughput-${preset.replace(/^configs\/|\.json$/g, "")}-k${k ?? "run"}`;
  const cmd = [
    bun,
    "scripts/gpu/throughput.ts",
    "--config",
    preset,
    "--opset",
    String(results.opset),
    "--device",
    device,
  ];
  if (k !== null) cmd.push("--k", String(k));
  const r = await step(name, [...cmd, "--seconds", cpu ? "2" : "12", ...small], 110, { minS: 40 });
  const line = lastJson(r.text);
  if (line) results.throughput?.push(line);
};

const matchRun = async () => {
  const runDir = join(runs, "match");
  const data = ["--train", join(kit, "data/train.npy"), "--val", join(kit, "data/valid.npy"), "--out", runDir];
  const steps = cpu ? 10 : manifest.match.steps;
  // Fewer steps on the CPU; the cosine keeps the reference's length so each step's learning rate is the same.
  const extra = cpu ? ["--max-steps", String(steps), "--cosine-steps", String(manifest.match.steps)] : [];
  await step(
    "match-run",
    [
      bun,
      cliMain,
      "train",
      "--config",
      manifest.match.preset,
      ...manifest.match.args,
      ...extra,
      ...data,
      "--device",
      device,
    ],
    cpu ? 600 : 150,
    { minS: 40 },
  );
  const metrics = join(runDir, "metrics.jsonl");
  if (existsSync(metrics)) {
    try {
      results.match = compareLosses(reference.losses, runLosses(metrics), steps, 1e-2);
    } catch (e) {
      results.match = { error: (e as Error).message };
    }
  }
};

const shortRun = async () => {
  const runDir = join(runs, "short");
  const data = ["--train", join(kit, "data/train.npy"), "--val", join(kit, "data/valid.npy"), "--out", runDir];
  const flags = cpu
    ? [
        "--max-steps",
        "20",
        "--warmup-steps",
        "5",
        "--eval-every",
        "10",
        "--eval-batches",
        "2",
        "--vocab-size",
        "10000",
        ...small,
      ]
    : ["--max-steps", "3000", "--eval-every", "100", "--eval-batches", "4", "--checkpoint-every", "0"];
  const r = await step(
    "short-run",
    [bun, cliMain, "train", "--config", presets[0]!, ...flags, ...data, "--device", device],
    cpu ? 120 : 150,
    { minS: 60, signal: "SIGINT" },
  );
  const metrics = join(runDir, "metrics.jsonl");
  if (existsSync(metrics)) {
    const { readMetrics } = await import("@cs336-ts/trainer");
    results.shortRun = { code: r.code, interrupted: r.timedOut, records: readMetrics(metrics) };
  }
};

// Most important first: whatever the budget cuts off comes last.
await throughput(presets[0]!, null);
await matchRun();
if (!cpu) await throughput(presets[1]!, null);
await throughput(presets[0]!, 1);
if (!cpu) await throughput(presets[1]!, 1);
await shortRun();

results.finishedAt = new Date().toISOString();
writeFileSync(join(out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
const summary = formatSummary(results);
writeFileSync(join(out, "summary.md"), summary);
console.log(`\n${summary}`);
Bun.spawnSync(["tar", "-czf", join(out, "details.tar.gz"), "-C", out, "details"]);
rmSync(details, { recursive: true, force: true });
