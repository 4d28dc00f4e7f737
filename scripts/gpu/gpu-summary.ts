// The GPU run's results (gpu-run.ts) as the markdown that goes into bench/RESULTS.md and the issue: placement
// verdicts, a throughput table per preset and K (tokens/s, TFLOP/s, MFU vs dense TF32, peak GPU memory, host
// copy share), the loss match against the CPU reference, the short run, and the projected wall time of the
// CS336 TinyStories budget (327,680,000 tokens; the handout's anchor is 30–40 minutes on one H100).
import type { LossComparison } from "./compare-losses.ts";

export type StepRecord = {
  name: string;
  cmd: string;
  code: number | null;
  seconds: number;
  limitS: number;
  timedOut: boolean;
  skipped?: string;
};

type Throughput = Record<string, unknown> & { config?: string; k?: number; tokensPerSec?: number };
type TrainRecord = {
  kind: string;
  step: number;
  loss?: number;
  valLoss?: number;
  tokensPerSec?: number;
  time?: number;
};

export type Results = {
  device: string;
  gpu: string | null;
  bun?: string;
  ortLibrary?: { path: string; sha256: string } | null;
  startedAt: string;
  finishedAt?: string;
  steps: StepRecord[];
  opset?: number;
  placement?: Record<number, { text?: string } | null>;
  throughput?: Throughput[];
  match?: LossComparison | { error: string };
  shortRun?: { code: number | null; interrupted: boolean; records: TrainRecord[] };
};

export const CS336_TOKENS = 327_680_000;

const num = (v: unknown, digits = 1) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–");
const int = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "–");
const minutes = (tokensPerSec: number) => `${(CS336_TOKENS / tokensPerSec / 60).toFixed(1)} min`;

function shortRunLines(s: NonNullable<Results["shortRun"]>): string[] {
  const train = s.records.filter((r) => r.kind === "train");
  const val = s.records.filter((r) => r.kind === "val");
  if (train.length === 0) return ["- short run: no training step logged"];
  // Steady speed: the second half of the run (the first steps pay session creation and CUDA warm-up).
  const late = train.slice(Math.floor(train.length / 2)).map((r) => r.tokensPerSec ?? 0);
  const steady = late.reduce((a, b) => a + b, 0) / late.length;
  return [
    `- short run: ${train.length} steps${s.interrupted ? " (stopped by its time cap)" : ""}, loss ${num(train[0]!.loss, 3)} → ${num(train.at(-1)!.loss, 3)}` +
      (val.length ? `, validation ${val.map((r) => `${num(r.valLoss, 3)}@${r.step}`).join(", ")}` : ""),
    `- short run steady speed: ${int(steady)} tokens/s (data loading, logging and validation included) → CS336 budget in ${minutes(steady)}`,
  ];
}

export function formatSummary(r: Results): string {
  const lines = [
    `# GPU run: ${r.gpu ?? r.device}`,
    "",
    `${r.startedAt} → ${r.finishedAt ?? "?"}, graphs at opset ${r.opset ?? "?"}; bun ${r.bun ?? "?"}; ` +
      `ONNX Runtime library ${r.ortLibrary ? `${r.ortLibrary.path} (sha256 ${r.ortLibrary.sha256.slice(0, 12)}…)` : "?"}`,
    "",
  ];
  lines.push("## Placement", "");
  for (const [opset, p] of Object.entries(r.placement ?? {})) {
    lines.push(`opset ${opset}:`, "```", (p?.text ?? "no report").trim(), "```", "");
  }
  lines.push("## Throughput", "");
  lines.push(
    "| preset | K | tokens/s | TFLOP/s | MFU (TF32 dense) | peak GPU MiB | host copy share | CS336 budget at this speed |",
  );
  lines.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const t of r.throughput ?? []) {
    const tps = typeof t.tokensPerSec === "number" ? t.tokensPerSec : Number.NaN;
    lines.push(
      `| ${String(t.config).replace(/^configs\/|\.json$/g, "")} | ${t.k} | ${int(tps)} | ${num(t.tflops)} | ` +
        `${typeof t.mfu === "number" ? `${(t.mfu * 100).toFixed(1)}%` : "–"} | ${int(t.gpuMemoryPeakMiB)} | ` +
        `${typeof t.copyShare === "number" ? `${(t.copyShare * 100).toFixed(1)}%` : "–"} | ${Number.isFinite(tps) ? minutes(tps) : "–"} |`,
    );
  }
  lines.push("", "## Loss match against the CPU reference", "");
  const m = r.match;
  if (!m) lines.push("- not run");
  else if ("error" in m) lines.push(`- failed: ${m.error}`);
  else {
    lines.push(
      `- ${m.pass ? "PASS" : "FAIL"}: first ${m.steps} losses within ${m.tolerance} relative; worst ${m.maxRelErr.toExponential(2)} at step ${m.worstStep}`,
    );
  }
  if (r.shortRun) lines.push("", "## Short training run", "", ...shortRunLines(r.shortRun));
  lines.push("", "## Steps", "", "| step | exit | seconds | cap | note |", "| --- | --- | --- | --- | --- |");
  for (const s of r.steps) {
    lines.push(
      `| ${s.name} | ${s.code ?? "–"} | ${num(s.seconds)} | ${num(s.limitS, 0)} | ${s.skipped ?? (s.timedOut ? "hit its cap" : "")} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
