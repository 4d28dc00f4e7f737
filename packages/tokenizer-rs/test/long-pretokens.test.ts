// Text without whitespace, where one pre-token is kilobytes long (issue 11, item 8): training merges long
// words through position lists and encoding merges long pieces through rank buckets (src/train/long_words.rs,
// src/encode/merge/long.rs). Both must give exactly what the short-word paths give: the reference trainer's
// merges, tiktoken's ids, also when a long piece comes again from the piece cache. The CLI's summary shows a
// bounded prefix of the longest token.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { get_encoding } from "tiktoken";
import { Tokenizer } from "../ts/tokenizer.ts";
import { trainBpe } from "../ts/train.ts";
import { referenceTrainBpe } from "./support/reference-trainer.ts";
import { lcg } from "./support/lcg.ts";

/** `n` characters drawn from `alphabet`, with runs of the first one (where merge sites touch). */
function noSpaces(seed: number, n: number, alphabet: string[]): string {
  const r = lcg(seed);
  let s = "";
  while (s.length < n) {
    s +=
      r() < 0.1
        ? (alphabet[0] as string).repeat(1 + Math.floor(r() * 40))
        : alphabet[Math.floor(r() * alphabet.length)];
  }
  return s;
}

test("trainBpe on words of kilobytes: the reference trainer's merges and vocab", async () => {
  const abc = ["a", "b", "c"];
  const text = [
    `${noSpaces(1, 2000, abc)} ${noSpaces(2, 2000, abc)} ${noSpaces(3, 2000, abc)} ab abc`,
    `${noSpaces(4, 20000, ["x", "y"])}<|endoftext|>${"q".repeat(5000)} ${"q".repeat(1200)}`,
  ].join(" ");
  const want = referenceTrainBpe(text, 256 + 1 + 80, ["<|endoftext|>"]);
  const got = await trainBpe({
    input: new TextEncoder().encode(text),
    vocabSize: 256 + 1 + 80,
    specialTokens: ["<|endoftext|>"],
    workers: 0,
  });
  expect(got.merges.map(([x, y]) => [[...x], [...y]])).toEqual(want.merges.map(([x, y]) => [[...x], [...y]]));
  expect([...got.vocab].map(([i, t]) => [i, [...t]])).toEqual([...want.vocab].map(([i, t]) => [i, [...t]]));
});

test("encoding pieces of kilobytes gives tiktoken's GPT-2 ids", () => {
  const gpt2 = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
  const ours = Tokenizer.fromFiles({ tiktoken: gpt2 });
  const theirs = get_encoding("gpt2");
  const letters = "abcdefghijklmnopqrstuvwxyz".split("");
  try {
    for (const text of [
      noSpaces(5, 12000, letters),
      noSpaces(6, 10000, ["a", "b"]),
      "a".repeat(9000),
      noSpaces(7, 3000, ["日", "本", "語", "テ", "キ", "ス", "ト"]),
      noSpaces(8, 8000, ["1", "2", "3", "9"]),
      `x ${noSpaces(9, 6000, ["e", "t", "a"])}!${"?".repeat(5000)} end`,
    ]) {
      expect([...ours.encode(text)]).toEqual([...theirs.encode(text)]);
    }
  } finally {
    theirs.free();
    ours.dispose();
  }
});

test("pieces of 1 to 300 bytes, each seen again (then served by the piece cache), give tiktoken's GPT-2 ids", () => {
  const gpt2 = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
  const ours = Tokenizer.fromFiles({ tiktoken: gpt2 });
  const theirs = get_encoding("gpt2");
  const letters = "etaoinshrdlu".split("");
  const lines: string[] = [];
  for (let n = 1; n <= 300; n++) {
    // Separator lines, an indentation run before a word, a word of n letters.
    lines.push("=".repeat(n), ` ${"-".repeat(n)}`, `${" ".repeat(n)}x`, noSpaces(n, n, letters).slice(0, n));
  }
  const r = lcg(11);
  const text = [...lines, ...lines, ...lines].sort(() => r() - 0.5).join("\n");
  try {
    expect([...ours.encode(text)]).toEqual([...theirs.encode(text)]);
  } finally {
    theirs.free();
    ours.dispose();
  }
});

test("train-bpe prints the first 60 characters of a token of megabytes", () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-train-long-"));
  const input = join(dir, "a.txt");
  writeFileSync(input, "a".repeat(1 << 20));
  const main = resolve(import.meta.dir, "../../cli/src/main.ts");
  const out = join(dir, "tok");
  const p = Bun.spawnSync(["bun", main, "train-bpe", "--input", input, "--vocab-size", "276", "--out", out]);
  expect(p.exitCode).toBe(0);
  const line =
    p.stdout
      .toString()
      .split("\n")
      .find((l) => l.includes("longest token")) ?? "";
  expect(line).toBe(`  longest token "${"a".repeat(60)}"… (1048576 bytes)`);
  expect(readFileSync(join(out, "merges.txt"), "utf8").split("\n").length).toBeGreaterThan(20);
});
