// The CLI's flag parser and dispatcher: kebab-case flags, repeats, booleans, and exit 2 on bad usage.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { parseFlags, UsageError, wantsHelp } from "../src/flags.ts";

const specs = {
  "vocab-size": { type: "number", help: "size", integer: true, required: true },
  "special-token": { type: "strings", help: "tokens" },
  out: { type: "string", help: "dir", default: "out" },
  verbose: { type: "boolean", help: "chatty" },
} as const;

test("parses values, repeats, defaults and which flags were given", () => {
  const f = parseFlags(
    ["--vocab-size", "500", "--special-token=<a>", "--special-token", "<b>", "x.txt", "--verbose"],
    specs,
  );
  expect(f["vocab-size"]).toBe(500);
  expect(f["special-token"]).toEqual(["<a>", "<b>"]);
  expect(f.out).toBe("out");
  expect(f.verbose).toBe(true);
  expect(f._).toEqual(["x.txt"]);
  expect([...f.given].sort()).toEqual(["special-token", "verbose", "vocab-size"]);
  expect(parseFlags(["--vocab-size", "1", "--no-verbose"], specs).verbose).toBe(false);
});

test("--help and -h ask for help where a flag stands, not as a flag's value", () => {
  expect(wantsHelp(["--help"], specs)).toBe(true);
  expect(wantsHelp(["x.txt", "-h"], specs)).toBe(true);
  expect(wantsHelp(["--verbose", "-h"], specs)).toBe(true); // a boolean takes no value
  expect(wantsHelp(["--out", "--help"], specs)).toBe(true); // a value never starts with --
  expect(wantsHelp(["--out", "-h"], specs)).toBe(false);
  expect(wantsHelp(["--special-token", "-h", "x.txt"], specs)).toBe(false);
  expect(wantsHelp(["--out=-h"], specs)).toBe(false);
  expect(wantsHelp(["--out", "-h", "-h"], specs)).toBe(true);
});

test("bad usage is a UsageError with a helpful message", () => {
  expect(() => parseFlags(["--vocab-sise", "5"], specs)).toThrow(
    /unknown flag --vocab-sise \(did you mean --vocab-size\?\)/,
  );
  expect(() => parseFlags(["--vocab-size"], specs)).toThrow(/needs a value/);
  expect(() => parseFlags(["--vocab-size", "abc"], specs)).toThrow(/must be a number/);
  expect(() => parseFlags(["--vocab-size", "2.5"], specs)).toThrow(/must be an integer/);
  expect(() => parseFlags([], specs)).toThrow(UsageError);
});

test("a repeated value flag keeps its last value (later flags override earlier ones)", () => {
  const f = parseFlags(
    ["--vocab-size", "5", "--out=a", "--vocab-size", "6", "--out", "b", "--verbose", "--no-verbose"],
    specs,
  );
  expect([f["vocab-size"], f.out, f.verbose]).toEqual([6, "b", false]);
});

test("an integer flag beyond 2^53 is a usage error at parse time", () => {
  // 1e300 is an integer to Number.isInteger, but no seed, count or size: commands failed late on it (generate
  // echoed the prompt, then "seed must be an integer").
  expect(() => parseFlags(["--vocab-size", "1e300"], specs)).toThrow(
    "--vocab-size must be at most 2^53 - 1, got 1e+300",
  );
  expect(() => parseFlags(["--vocab-size", "9007199254740992"], specs)).toThrow(UsageError);
  expect(() => parseFlags(["--vocab-size", "-1e20"], specs)).toThrow(
    "--vocab-size must be at least -(2^53 - 1), got -100000000000000000000",
  );
  expect(parseFlags(["--vocab-size", "-9007199254740991"], specs)["vocab-size"]).toBe(-9007199254740991);
});

test("`cli --help` lists the commands; an unknown command exits 2", () => {
  const main = join(import.meta.dir, "../src/main.ts");
  const help = Bun.spawnSync(["bun", main, "--help"]);
  expect(help.exitCode).toBe(0);
  const out = help.stdout.toString();
  for (const c of ["train-bpe", "encode", "train", "generate", "eval", "export", "plot", "doctor", "demo"]) {
    expect(out).toContain(`  ${c} `);
  }
  const bad = Bun.spawnSync(["bun", main, "nosuchcommand"]);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr.toString()).toContain('unknown command "nosuchcommand"');
});
