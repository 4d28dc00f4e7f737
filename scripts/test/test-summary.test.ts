// The summary line of scripts/test.sh (`N passed, N failed[, N skipped]`, CI's verdict), checked by running the
// real script in a scratch root whose setup.sh does nothing and whose cargo, npx and bun are stubs printing
// canned runner output: the counts add up, and a runner that ends without its own summary is a failure.
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TEST_SH = join(import.meta.dir, "..", "test.sh");

let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

type Runner = { out: string; rc: number };

/** test.sh's last stdout line with `cargo test` and `bun test` printing `cargo`/`bun`; fmt, clippy, tsc, biome pass. */
function summary(cargo: Runner, bun: Runner): string {
  root = mkdtempSync(join(tmpdir(), "test-sh-"));
  mkdirSync(join(root, "scripts"));
  mkdirSync(join(root, "bin"));
  copyFileSync(TEST_SH, join(root, "scripts", "test.sh"));
  writeFileSync(join(root, "scripts", "setup.sh"), "exit 0\n");
  writeFileSync(join(root, "cargo.out"), `${cargo.out}\n`);
  writeFileSync(join(root, "bun.out"), `${bun.out}\n`);
  const stub = (name: string, body: string) => {
    writeFileSync(join(root, "bin", name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(root, "bin", name), 0o755);
  };
  stub("cargo", `[[ $1 == test ]] || exit 0; cat "${root}/cargo.out"; exit ${cargo.rc}`);
  stub("npx", "exit 0");
  stub("bun", `[[ $1 == test ]] || exit 1; cat "${root}/bun.out"; exit ${bun.rc}`);
  const r = Bun.spawnSync(["bash", join(root, "scripts", "test.sh")], {
    env: { PATH: `${join(root, "bin")}:/usr/bin:/bin`, HOME: root },
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines = r.stdout.toString().trimEnd().split("\n");
  const last = lines[lines.length - 1] as string;
  // The exit status agrees with the line.
  expect(r.exitCode === 0).toBe(/ 0 failed/.test(last));
  return last;
}

const cargoOk: Runner = {
  out: [
    "running 10 tests",
    "test result: ok. 10 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.50s",
    "   Doc-tests cs336_tokenizer",
    "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
  ].join("\n"),
  rc: 0,
};
const bunOk = (pass: number, skip: number, fail: number, todo = 0) =>
  [
    "(pass) a > b [1.00ms]",
    "",
    ` ${pass} pass`,
    ...(skip ? [` ${skip} skip`] : []),
    ...(todo ? [` ${todo} todo`] : []),
    ` ${fail} fail`,
    " 42 expect() calls",
    `Ran ${pass + skip + fail + todo} tests across 3 files. [1.20s]`,
  ].join("\n");

describe("scripts/test.sh summary", () => {
  test("adds the four static checks, cargo's and bun's counts", () => {
    expect(summary(cargoOk, { out: bunOk(5, 1, 0), rc: 0 })).toBe("20 passed, 0 failed, 3 skipped");
  });

  test("counts bun's failures and cargo's failing binary", () => {
    const cargo = {
      out: "test result: FAILED. 8 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.50s",
      rc: 101,
    };
    expect(summary(cargo, { out: bunOk(5, 0, 3), rc: 1 })).toBe("17 passed, 5 failed");
  });

  test("a todo test is counted as skipped, not dropped", () => {
    expect(summary(cargoOk, { out: bunOk(5, 0, 0, 2), rc: 0 })).toBe("20 passed, 0 failed, 4 skipped");
  });

  test("a cargo test that does not compile is a failure", () => {
    expect(summary({ out: "error[E0425]: cannot find value `x`", rc: 101 }, { out: bunOk(5, 0, 0), rc: 0 })).toBe(
      "9 passed, 1 failed",
    );
  });

  test("bun crashing before its summary is a failure", () => {
    expect(summary(cargoOk, { out: "(pass) a > b [1.00ms]\nSegmentation fault", rc: 139 })).toBe(
      "15 passed, 1 failed, 2 skipped",
    );
  });

  test("bun exiting 0 without its summary (a test called process.exit(0)) is a failure, not 0 failed", () => {
    expect(summary(cargoOk, { out: "(pass) a > b [1.00ms]\n\nc.test.ts:", rc: 0 })).toBe(
      "15 passed, 1 failed, 2 skipped",
    );
  });
});
