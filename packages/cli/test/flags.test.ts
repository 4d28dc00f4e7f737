// The CLI's flag parser and dispatcher: kebab-case flags, repeats, booleans, and exit 2 on bad usage.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { parseFlags, UsageError } from "../src/flags.ts";

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

test("bad usage is a UsageError with a helpful message", () => {
  expect(() => parseFlags(["--vocab-sise", "5"], specs)).toThrow(
    /unknown flag --vocab-sise \(did you mean --vocab-size\?\)/,
  );
  expect(() => parseFlags(["--vocab-size"], specs)).toThrow(/needs a value/);
  expect(() => parseFlags(["--vocab-size", "abc"], specs)).toThrow(/must be a number/);
  expect(() => parseFlags(["--vocab-size", "2.5"], specs)).toThrow(/must be an integer/);
  expect(() => parseFlags([], specs)).toThrow(UsageError);
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
