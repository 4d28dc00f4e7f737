// The dispatcher's own answers, run as a user would (a spawned CLI): `--version` prints the cli package's
// version and exits 0, `help <command>` prints exactly `<command> --help`, and `help` of an unknown command
// is an error that lists the commands.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("cli dispatcher", () => {
  test("--version prints the cli package's version", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8"));
    const r = cli("--version");
    expect(r.code).toBe(0);
    expect(r.out).toBe(`cs336 ${version}\n`);
  });

  test("help train is train --help", () => {
    const help = cli("help", "train");
    expect(help.code).toBe(0);
    expect(help.out).toStartWith("usage: bun run cli train");
    expect(help.out).toContain("--grad-accum-steps");
    expect(help.out).toBe(cli("train", "--help").out);
  });

  test("help of an unknown command fails with the list of commands", () => {
    const r = cli("help", "trian");
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "trian"');
    expect(r.err).toContain("account");
  });

  test("a mistyped command gets a suggestion, as a mistyped flag does", () => {
    expect(cli("trian").err).toStartWith('error: unknown command "trian" (did you mean train?)\n');
    expect(cli("help", "tokstat").err).toStartWith('error: unknown command "tokstat" (did you mean tokstats?)\n');
    expect(cli("trainbpe", "--input", "x").err).toStartWith(
      'error: unknown command "trainbpe" (did you mean train-bpe?)\n',
    );
    expect(cli("zzzzzz").err).toStartWith('error: unknown command "zzzzzz"\n');
  });
});
