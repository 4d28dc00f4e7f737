// `bun run cli plot` as a user runs it (a spawned CLI), on bad input: a run folder that is missing or is a file,
// and an --out that is a folder or lies under a file. Each is one clear line and a non-zero exit, nothing written.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", "plot", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

test("bad run folders and --out paths: a clear message, exit 2, nothing written", () => {
  const d = mkdtempSync(join(tmpdir(), "plot-"));
  const run = join(d, "run");
  mkdirSync(run);
  writeFileSync(
    join(run, "metrics.jsonl"),
    `${JSON.stringify({ kind: "train", step: 1, tokens: 8, time: 0.1, loss: 4 })}\n`,
  );
  const file = join(d, "notes.txt");
  writeFileSync(file, "x");
  const cases: [string[], string][] = [
    [[join(d, "missing")], `error: run folder ${join(d, "missing")} not found`],
    [[file], `error: ${file} is not a folder`],
    [[run, "--out", d], `error: --out ${d} is a folder; give the path of the .svg file to write`],
    [
      [run, "--out", join(file, "curves.svg")],
      `error: --out ${join(file, "curves.svg")}: ${file} is a file, not a folder`,
    ],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    const first = (r.err.split("\n")[0] ?? "").slice(0, message.length);
    expect({ args, code: r.code, first }).toEqual({ args, code: 2, first: message });
  }
  expect(readdirSync(run)).toEqual(["metrics.jsonl"]);
  const ok = cli(run, "--out", join(d, "out", "curves.svg"));
  expect(ok.code).toBe(0);
  expect(existsSync(join(d, "out", "curves.svg"))).toBe(true);
});
