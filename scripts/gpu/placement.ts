// Placement check of a preset's real training-step graph: first a session with CPU fallback disabled (ORT's
// session.disable_cpu_ep_fallback) — if it is created, every node runs on CUDA. If ORT refuses it, a second
// process creates the session with fallback allowed at verbose log level, and its stderr is parsed into the
// node placement report (placement-log.ts). Each session lives in a child process: ORT reads the process-wide
// log level once, and a hung CUDA initialization must not take the parent with it.
//   bun scripts/gpu/placement.ts --config configs/tinystories-h100.json [--opset 23] [--device cuda] [--out DIR]
// Writes DIR/placement-opsetN.{json,log}; exit 0 when nothing that matters runs on the CPU, 3 when something
// does, 4 when the placement could not be read.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Session } from "@cs336-ts/model/runtime";
import { formatPlacement, parsePlacementLog, verdict } from "./placement-log.ts";
import { emitTrainStep, loadPreset, presetGraph } from "./train-graph.ts";

type Attempt = { created: boolean; ms: number; error?: string };
const FALLBACK_REFUSED = /fallback to CPU EP has been explicitly disabled/;

const { values: args } = parseArgs({
  options: {
    config: { type: "string" },
    opset: { type: "string", default: "23" },
    device: { type: "string", default: "cuda" },
    out: { type: "string", default: "." },
    "batch-size": { type: "string" },
    "timeout-s": { type: "string", default: "240" },
    child: { type: "string" },
  },
});
if (!args.config) throw new Error("--config PRESET.json is required");
const opset = Number(args.opset);
const device = args.device === "cpu" ? "cpu" : "cuda";

async function child(mode: "strict" | "verbose"): Promise<Attempt> {
  const overrides = args["batch-size"] ? { batchSize: Number(args["batch-size"]) } : {};
  const bytes = emitTrainStep(presetGraph(loadPreset(args.config!, overrides)), opset);
  const t0 = performance.now();
  try {
    const session = await Session.create(bytes, {
      device,
      optimizationLevel: "all",
      disableCpuFallback: mode === "strict",
      logSeverity: mode === "verbose" ? "verbose" : "error",
    });
    await session.release();
    return { created: true, ms: performance.now() - t0 };
  } catch (e) {
    return { created: false, ms: performance.now() - t0, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Runs this script in `mode` as a child; its stdout's last line is the Attempt, its stderr ORT's log. */
async function spawnChild(mode: "strict" | "verbose"): Promise<{ attempt: Attempt; stderr: string }> {
  const passthrough = process.argv.slice(2).filter((a, i, all) => a !== "--child" && all[i - 1] !== "--child");
  const p = Bun.spawn([process.execPath, import.meta.path, ...passthrough, "--child", mode], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => p.kill("SIGKILL"), Number(args["timeout-s"]) * 1000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return { attempt: JSON.parse(last) as Attempt, stderr };
  } catch {
    const why = p.signalCode ? `killed (${p.signalCode}) after ${args["timeout-s"]} s` : `exit ${code}`;
    return { attempt: { created: false, ms: 0, error: `child ${mode}: ${why}; ${stderr.slice(-400)}` }, stderr };
  }
}

if (args.child === "strict" || args.child === "verbose") {
  console.log(JSON.stringify(await child(args.child)));
  process.exit(0);
}

mkdirSync(args.out!, { recursive: true });
const base = join(args.out!, `placement-opset${opset}`);
const strict = (await spawnChild("strict")).attempt;
const report: Record<string, unknown> = { config: args.config, opset, device, strict };
let text = `placement of ${args.config} at opset ${opset} on ${device}\n`;
let code: number;
if (strict.created) {
  text += `CPU fallback disabled: session created in ${(strict.ms / 1000).toFixed(1)} s, so every node runs on ${device}\n`;
  report.verdict = { kind: "all-cuda" };
  code = 0;
} else {
  const refused = FALLBACK_REFUSED.test(strict.error ?? "");
  text += `CPU fallback disabled: ${refused ? "refused, some node lands on the CPU" : `failed: ${strict.error}`}\n`;
  const verbose = await spawnChild("verbose");
  writeFileSync(`${base}.log`, verbose.stderr);
  const placement = parsePlacementLog(verbose.stderr);
  const v = verdict(placement);
  Object.assign(report, { verbose: verbose.attempt, placement, verdict: v });
  text += `fallback allowed, verbose: ${verbose.attempt.created ? "session created" : `failed: ${verbose.attempt.error}`}\n`;
  text += formatPlacement(placement);
  code = v.kind === "all-cuda" || v.kind === "cpu-shape-math-only" ? 0 : v.kind === "unknown" ? 4 : 3;
}
report.text = text;
writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(text);
process.exit(code);
