// Learning curves as a hand-written SVG: by default two panels, loss against step and loss against
// wall-clock time, or one panel against a chosen axis (step, tokens — the fair axis when batch sizes
// differ — or time); train loss as a thin line and validation loss as a thicker line with dots, one color
// per run, a legend, and axes with "nice" ticks (1-2-5 steps). Several runs overlay for sweeps.
// Leaves out: interactivity and log scales (loss curves read fine on a linear axis once clipped).
import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { readMetrics } from "./metrics.ts";
import { runPaths } from "./run-dir.ts";

/** `tokens` is absent in series built by hand; such points are left out of a tokens axis. */
export type Point = { step: number; time: number; loss: number; tokens?: number };
export type RunSeries = { name: string; train: Point[]; val: Point[] };
export type CurveAxis = "step" | "tokens" | "time";
export const CURVE_AXES: readonly CurveAxis[] = ["step", "tokens", "time"];

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const W = 460; // one panel
const H = 300;
const M = { left: 56, right: 16, top: 34, bottom: 44 };

/** Ticks at 1, 2 or 5 times a power of ten covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}G`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

function timeUnit(maxSeconds: number): { div: number; label: string } {
  if (maxSeconds >= 2 * 3600) return { div: 3600, label: "hours" };
  if (maxSeconds >= 120) return { div: 60, label: "minutes" };
  return { div: 1, label: "seconds" };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Drops points so a line has at most ~`max` vertices (a 100k-step run stays a small file). */
function thin(points: Point[], max: number): Point[] {
  if (points.length <= max) return points;
  const every = Math.ceil(points.length / max);
  return points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

const TITLES: Record<CurveAxis, string> = {
  step: "loss vs step",
  tokens: "loss vs tokens",
  time: "loss vs wall-clock time",
};

function panel(input: RunSeries[], x: CurveAxis, ox: number, yLo: number, yHi: number): string {
  const has = (p: Point) => Number.isFinite(p[x]);
  const runs = input.map((r) => ({ ...r, train: r.train.filter(has), val: r.val.filter(has) }));
  const at = (p: Point) => p[x] as number;
  const all = runs.flatMap((r) => [...r.train, ...r.val]);
  // At least one step / one second, so an empty or one-point run still gets whole-number ticks.
  const xMaxRaw = Math.max(1, ...all.map(at));
  const unit = x === "time" ? timeUnit(xMaxRaw) : { div: 1, label: x };
  const xTicks = niceTicks(0, xMaxRaw / unit.div);
  const xHi = Math.max(xMaxRaw / unit.div, xTicks.at(-1) ?? 1);
  const yTicks = niceTicks(yLo, yHi);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (v: number) => ox + M.left + (v / unit.div / xHi) * pw;
  const sy = (v: number) => M.top + (1 - (Math.min(Math.max(v, yLo), yHi) - yLo) / (yHi - yLo)) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${ox + M.left + pw / 2}" y="20" text-anchor="middle" font-weight="bold">${TITLES[x]}</text>`);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${ox + M.left}" x2="${ox + M.left + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${ox + M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of xTicks) {
    const xv = (ox + M.left + (t / xHi) * pw).toFixed(1);
    parts.push(`<line x1="${xv}" x2="${xv}" y1="${M.top}" y2="${M.top + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${xv}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(
    `<rect x="${ox + M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`,
    `<text x="${ox + M.left + pw / 2}" y="${H - 8}" text-anchor="middle">${unit.label}</text>`,
    `<text transform="translate(${ox + 14},${M.top + ph / 2}) rotate(-90)" text-anchor="middle">loss</text>`,
  );
  runs.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    const path = (pts: Point[]) =>
      pts.map((p, j) => `${j === 0 ? "M" : "L"}${sx(at(p)).toFixed(1)},${sy(p.loss).toFixed(1)}`).join("");
    if (r.train.length > 0) {
      parts.push(
        `<path d="${path(thin(r.train, 1500))}" fill="none" stroke="${color}" stroke-width="1" opacity="0.45"/>`,
      );
    }
    if (r.val.length > 0) {
      parts.push(`<path d="${path(r.val)}" fill="none" stroke="${color}" stroke-width="2.2"/>`);
      for (const p of thin(r.val, 200)) {
        parts.push(`<circle cx="${sx(at(p)).toFixed(1)}" cy="${sy(p.loss).toFixed(1)}" r="2.6" fill="${color}"/>`);
      }
    }
  });
  return parts.join("\n");
}

/** Renders the SVG for one or more runs: panels against step and time, or one against `opts.x`. */
export function renderCurves(input: RunSeries[], opts: { x?: CurveAxis } = {}): string {
  const axes: CurveAxis[] = opts.x ? [opts.x] : ["step", "time"];
  // A diverged run logs NaN/inf (null in JSON): such points are left out rather than drawn at the axis.
  const ok = (p: Point) => Number.isFinite(p.loss) && Number.isFinite(p.step) && Number.isFinite(p.time);
  const runs = input.map((r) => ({ ...r, train: r.train.filter(ok), val: r.val.filter(ok) }));
  const losses = runs
    .flatMap((r) => [...r.train, ...r.val])
    .map((p) => p.loss)
    .filter(Number.isFinite);
  // The first steps' loss (~ln V) would squash the interesting part: clip the top at the val curve's
  // maximum or the 98th percentile of train loss, whichever is higher.
  const sorted = [...losses].sort((a, b) => a - b);
  const valMax = Math.max(-Infinity, ...runs.flatMap((r) => r.val.map((p) => p.loss)).filter(Number.isFinite));
  const p98 = sorted[Math.floor(0.98 * (sorted.length - 1))] ?? 1;
  const lo = sorted[0] ?? 0;
  const hi = Math.max(p98, valMax, lo + 1e-3);
  const pad = (hi - lo) * 0.05;
  const yLo = Math.max(0, lo - pad);
  const yHi = hi + pad;
  const legendRows = runs.length + 1;
  const height = H + 18 * legendRows + 8;
  const legend: string[] = [];
  runs.forEach((r, i) => {
    const y = H + 14 + 18 * i;
    const color = COLORS[i % COLORS.length];
    legend.push(
      `<line x1="${M.left}" x2="${M.left + 24}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2.2"/>`,
      `<text x="${M.left + 32}" y="${y}" dominant-baseline="middle">${esc(r.name)}</text>`,
    );
  });
  const yk = H + 14 + 18 * runs.length;
  legend.push(
    `<text x="${M.left}" y="${yk}" dominant-baseline="middle" fill="#555">` +
      `thin line: train loss${axes.length > 1 ? " (every step)" : ""} · thick line with dots: validation loss</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${axes.length * W}" height="${height}" ` +
      `viewBox="0 0 ${axes.length * W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    // Screen readers and file browsers show the title; Biome's a11y lint asks for it too.
    `<title>learning curves: ${esc(runs.map((r) => r.name).join(", "))}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...axes.map((x, i) => panel(runs, x, i * W, yLo, yHi)),
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}

/** Reads a run folder's metrics.jsonl into plot series; the name is the folder plus its peak lr. */
export function loadRunSeries(dir: string): RunSeries {
  const paths = runPaths(dir);
  if (!existsSync(paths.metrics)) {
    throw new Error(`${dir} has no metrics.jsonl; pass run folders written by \`bun run cli train\``);
  }
  const records = readMetrics(paths.metrics);
  let name = basename(resolve(dir));
  try {
    const cfg = JSON.parse(readFileSync(paths.config, "utf8")) as { lrMax?: number };
    if (typeof cfg.lrMax === "number") name += ` (lr ${cfg.lrMax})`;
  } catch {
    // config.json is optional for plotting
  }
  return {
    name,
    train: records.flatMap((r) =>
      r.kind === "train" ? [{ step: r.step, tokens: r.tokens, time: r.time, loss: r.loss }] : [],
    ),
    val: records.flatMap((r) =>
      r.kind === "val" ? [{ step: r.step, tokens: r.tokens, time: r.time, loss: r.valLoss }] : [],
    ),
  };
}
