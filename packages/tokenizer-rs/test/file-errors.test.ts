// Unreadable tokenizer files are reported as what they are ("file not found", "is a directory"), never as
// a JSON syntax error or a raw ENOENT/EISDIR; and `cli encode` warns when the input holds <|endoftext|>
// that a tokenizer without special tokens would encode as plain text.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { saveTokenizerFiles } from "../ts/files.ts";
import { loadTokenizerJson, loadVocabMerges } from "../ts/readers.ts";
import { Tokenizer } from "../ts/tokenizer.ts";
import { trainBpe } from "../ts/train.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const dir = mkdtempSync(join(tmpdir(), "tok-file-errors-"));

test("an unreadable tokenizer.json is a read error, not a JSON error", () => {
  const missing = join(dir, "none.json");
  expect(() => loadTokenizerJson(missing)).toThrow(`cannot read tokenizer file ${missing}: file not found`);
  expect(() => loadTokenizerJson(missing)).not.toThrow(/JSON|ENOENT/);
  const folder = join(dir, "folder.json");
  mkdirSync(folder);
  expect(() => loadTokenizerJson(folder)).toThrow(`cannot read tokenizer file ${folder}: is a directory`);
  expect(() => loadTokenizerJson(folder)).not.toThrow(/JSON|EISDIR/);
  expect(() => Tokenizer.fromFiles({ tokenizerJson: folder })).toThrow(/is a directory/);
  expect(() => Tokenizer.fromFiles({ tiktoken: missing })).toThrow(`cannot read rank file ${missing}: file not found`);
  expect(() => loadVocabMerges(folder, missing)).toThrow(`cannot read vocab file ${folder}: is a directory`);
});

test("trainBpe names a missing input or a folder in words", async () => {
  await expect(trainBpe({ input: join(dir, "nope.txt"), vocabSize: 300 })).rejects.toThrow(
    /cannot read input file .*nope\.txt: file not found/,
  );
  await expect(trainBpe({ input: dir, vocabSize: 300 })).rejects.toThrow(
    `cannot read input file ${dir}: is a directory`,
  );
});

test("cli encode warns when <|endoftext|> meets a tokenizer without special tokens", async () => {
  const text = "the cat sat on the mat. ".repeat(40);
  const plain = join(dir, "plain");
  const trained = await trainBpe({ input: new TextEncoder().encode(text), vocabSize: 266, workers: 0 });
  saveTokenizerFiles(plain, trained.vocab, trained.merges, []);
  const input = join(dir, "docs.txt");
  writeFileSync(input, `${text}<|endoftext|>${text}`);
  const encode = (...extra: string[]) =>
    spawnSync(
      "bun",
      [
        "packages/cli/src/main.ts",
        "encode",
        "--tokenizer",
        plain,
        "--input",
        input,
        "--out",
        join(dir, "o.npy"),
        ...extra,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
  const r = encode("--workers", "0");
  expect(r.status).toBe(0);
  expect(r.stderr).toContain("contains <|endoftext|> but the tokenizer has no special tokens");
  expect(r.stderr).toContain("retrain it with `train-bpe --special-token '<|endoftext|>'`");
  // Without a tokenizer.json the special token can be added at load time, and the warning says so.
  rmSync(join(plain, "tokenizer.json"));
  expect(encode("--workers", "0").stderr).toContain("to keep it one token, pass --special-token '<|endoftext|>'");
  const withSpecial = encode("--workers", "0", "--special-token", "<|endoftext|>");
  expect(withSpecial.status).toBe(0);
  expect(withSpecial.stderr).not.toContain("warning");
  writeFileSync(input, text);
  expect(encode("--workers", "0").stderr).not.toContain("warning");
});
