// Learning curves: nice ticks, a well-formed two-panel SVG with one color per run and a legend, one panel
// against a chosen axis (tokens), thinning of long runs, and the `plot` command over run folders (including
// its errors).
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadRunSeries, niceTicks, type RunSeries, renderCurves } from "../src/run/plot.ts";

const ROOT = resolve(import.meta.dir, "../../..");

function series(name: string, lr: number, steps: number): RunSeries {
  const train = Array.from({ length: steps }, (_, i) => ({
    step: i + 1,
    time: (i + 1) * 0.5,
    loss: 8 * Math.exp(-lr * i) + 1,
  }));
  const val = train.filter((p) => p.step % 50 === 0).map((p) => ({ ...p, loss: p.loss + 0.1 }));
  return { name, train, val };
}

function fakeRun(dir: string, lr: number): void {
  mkdirSync(dir, { recursive: true });
  const s = series("x", lr, 200);
  const lines = [
    ...s.train.map((p) =>
      JSON.stringify({
        kind: "train",
        step: p.step,
        tokens: p.step * 64,
        time: p.time,
        loss: p.loss,
        lr,
        gradNorm: 1,
        tokensPerSec: 100,
      }),
    ),
    ...s.val.map((p) =>
      JSON.stringify({ kind: "val", step: p.step, tokens: p.step * 64, time: p.time, valLoss: p.loss }),
    ),
  ];
  writeFileSync(join(dir, "metrics.jsonl"), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ lrMax: lr }));
}

describe("plot", () => {
  test("niceTicks uses 1-2-5 steps covering the range", () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(1.3, 4.1)).toEqual([1.5, 2, 2.5, 3, 3.5, 4]);
    expect(niceTicks(0, 5000)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
  });

  test("renders two panels, a legend entry per run and escapes names", () => {
    const svg = renderCurves([series("lr <1e-3>", 0.01, 300), series("b", 0.02, 300)]);
    expect(svg).toStartWith("<svg");
    expect(svg.trim()).toEndWith("</svg>");
    expect(svg).toContain("loss vs step");
    expect(svg).toContain("loss vs wall-clock time");
    expect(svg).toContain("lr &lt;1e-3&gt;");
    expect(svg).toContain("#1f77b4");
    expect(svg).toContain("#d62728");
    // 2 runs x 2 panels: a train path and a val path each.
    expect(svg.match(/<path /g)?.length).toBe(8);
    expect(svg).not.toContain("NaN");
  });

  test("one panel against tokens: a batch-size sweep on a fair axis", () => {
    const small = series("batch 16", 0.01, 100);
    const big = series("batch 64", 0.04, 100);
    for (const p of [...small.train, ...small.val]) p.tokens = p.step * 16 * 8;
    for (const p of [...big.train, ...big.val]) p.tokens = p.step * 64 * 8;
    const svg = renderCurves([small, big], { x: "tokens" });
    expect(svg).toContain('width="460"');
    expect(svg).toContain("loss vs tokens");
    expect(svg).not.toContain("loss vs step");
    expect(svg).not.toContain("wall-clock");
    expect(svg.match(/<path /g)?.length).toBe(4);
    // 100 steps of 64×8 tokens: the axis runs to 51,200 tokens, shown in thousands.
    expect(svg).toContain(">50k</text>");
    const lastX = (d: string) => Number(/L([\d.]+),[\d.]+"?$/.exec(d)?.[1]);
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]!);
    // The small batch's curve ends at a quarter of the big one's tokens.
    expect(lastX(paths[0]!) - 56).toBeCloseTo((lastX(paths[2]!) - 56) / 4, 0);
    // Points without a token count (series built by hand) are left out of a tokens axis.
    expect(renderCurves([series("no tokens", 0.01, 10)], { x: "tokens" })).not.toContain("<path ");
    expect(renderCurves([small], { x: "time" })).toContain("loss vs wall-clock time");
  });

  test("non-finite points of a diverged run are left out, not drawn", () => {
    const s = series("nan", 0.01, 50);
    s.train.push({ step: 51, time: 26, loss: Number.NaN }, { step: 52, time: 26.5, loss: Number.POSITIVE_INFINITY });
    const svg = renderCurves([s]);
    expect(svg).not.toContain("NaN");
    expect(svg).not.toContain("Infinity");
    expect(svg).toContain("<path ");
  });

  test("an empty or one-point run still gets whole-number axes", () => {
    for (const runs of [
      [{ name: "empty", train: [], val: [] }],
      [{ name: "start", train: [], val: [{ step: 0, time: 0.2, loss: 5 }] }],
    ]) {
      const ticks = [...renderCurves(runs).matchAll(/text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]!);
      expect(ticks).toContain("1");
      expect(ticks.filter((t) => /e-/.test(t))).toEqual([]);
    }
  });

  test("a 100k-step run is thinned to a small file", () => {
    const svg = renderCurves([series("long", 0.0001, 100_000)]);
    expect(svg.length).toBeLessThan(300_000);
  });

  test("loadRunSeries names the run by folder and lr; a folder without metrics is refused", () => {
    const d = mkdtempSync(join(tmpdir(), "plot-"));
    fakeRun(join(d, "sweep-a"), 0.001);
    const s = loadRunSeries(join(d, "sweep-a"));
    expect(s.name).toBe("sweep-a (lr 0.001)");
    expect(s.train.length).toBe(200);
    expect(s.val.length).toBe(4);
    expect(() => loadRunSeries(d)).toThrow(/has no metrics\.jsonl/);
  });

  test("`bun run cli plot` overlays several runs into one SVG", () => {
    const d = mkdtempSync(join(tmpdir(), "plot-"));
    fakeRun(join(d, "a"), 0.001);
    fakeRun(join(d, "b"), 0.003);
    const out = join(d, "sweep.svg");
    const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "plot", join(d, "a"), join(d, "b"), "--out", out], {
      cwd: ROOT,
    });
    expect(p.stderr.toString()).toBe("");
    expect(p.exitCode).toBe(0);
    expect(p.stdout.toString()).toContain(`wrote ${out}`);
    const svg = readFileSync(out, "utf8");
    expect(svg).toContain("a (lr 0.001)");
    expect(svg).toContain("b (lr 0.003)");
    const nested = join(d, "figures", "sweep.svg");
    const intoNewFolder = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "plot", join(d, "a"), "--out", nested], {
      cwd: ROOT,
    });
    expect(intoNewFolder.exitCode).toBe(0);
    expect(readFileSync(nested, "utf8")).toContain("a (lr 0.001)");
    const byTokens = join(d, "tokens.svg");
    const tokens = Bun.spawnSync(
      ["bun", "packages/cli/src/main.ts", "plot", join(d, "a"), join(d, "b"), "--x", "tokens", "--out", byTokens],
      { cwd: ROOT },
    );
    expect(tokens.exitCode).toBe(0);
    expect(readFileSync(byTokens, "utf8")).toContain("loss vs tokens");
    const badAxis = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "plot", join(d, "a"), "--x", "epochs"], {
      cwd: ROOT,
    });
    expect(badAxis.exitCode).toBe(2);
    expect(badAxis.stderr.toString()).toContain('error: --x must be one of step, tokens, time, got "epochs"');
    const bad = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "plot", join(d, "nope")], { cwd: ROOT });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.toString()).toMatch(/error: run folder .*nope not found/);
  });
});
