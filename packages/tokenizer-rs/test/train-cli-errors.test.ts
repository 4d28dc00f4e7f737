// `bun run cli train-bpe` on bad input (issue 3): each case exits 2 with a message saying what is wrong
// and how to fix it, and leaves no output folder. One CLI process per case on tiny temp files; the
// library-level messages are covered in train-errors.test.ts, this checks what reaches the user.
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const MAIN = resolve(import.meta.dir, "../../cli/src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "cli-train-errors-"));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const ok = file("ok.txt", "hello world, hello there. ");

let runs = 0;
function failsCleanly(args: string[], message: string | RegExp): void {
  const out = join(dir, `out-${runs++}`);
  const p = Bun.spawnSync(["bun", MAIN, "train-bpe", ...args, "--out", out], { stdout: "pipe", stderr: "pipe" });
  const err = p.stderr.toString();
  expect(err).toMatch(message);
  expect(p.exitCode).toBe(2);
  expect(p.stdout.toString()).not.toContain("wrote");
  expect(existsSync(out)).toBe(false);
}

test("invalid UTF-8: names the file and the byte offset", () => {
  const bad = file("bad.txt", new Uint8Array([...new TextEncoder().encode("abc.def "), 0xc3, 0x28, 0x41]));
  failsCleanly(["--input", bad, "--vocab-size", "260"], /error: .*bad\.txt.*byte offset 8/);
});

test("vocab size smaller than 256 + special tokens", () =>
  failsCleanly(
    ["--input", ok, "--vocab-size", "257", "--special-token", "<|a|>", "--special-token", "<|b|>"],
    "at least 258 (256 byte tokens + 2 special tokens)",
  ));

test("duplicate special token", () =>
  failsCleanly(
    ["--input", ok, "--vocab-size", "300", "--special-token", "<|a|>", "--special-token", "<|a|>"],
    'special token "<|a|>" is given twice; list each special token once',
  ));

test("empty special token", () =>
  failsCleanly(["--input", ok, "--vocab-size", "300", "--special-token", ""], /special token #0 is empty/));

test("empty file", () =>
  failsCleanly(["--input", file("empty.txt", ""), "--vocab-size", "300"], /empty\.txt is empty; give a file/));

test("vocab size larger than the data can reach says how many merges were possible", () => {
  // One pre-token "abab": merges (a,b) then (ab,ab), and nothing is left to merge.
  const tiny = file("tiny.txt", "abab");
  failsCleanly(
    ["--input", tiny, "--vocab-size", "300"],
    /needs 44 merges, but the data allows only 2 .*use a vocab size of at most 258 or more text/,
  );
});
