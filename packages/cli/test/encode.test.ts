// `bun run cli encode` output paths as a user meets them (a spawned CLI, a small BPE): an --out that is a
// folder is refused before any encoding, naming the flag, and the folder is left as it was.
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { saveTokenizerFiles, trainBpe } from "@cs336-ts/tokenizer";

const ROOT = resolve(import.meta.dir, "../../..");

test("an --out that is a folder is refused before encoding", async () => {
  // It encoded the whole input, then failed at the rename: "cannot write X.npy: EISDIR: illegal operation on
  // a directory, rename 'X.npy.tmp-PID' -> 'X.npy'".
  const dir = mkdtempSync(join(tmpdir(), "encode-cli-"));
  const text = "the cat sat on the mat. ".repeat(40);
  const bpe = await trainBpe({ input: new TextEncoder().encode(text), vocabSize: 266, workers: 0 });
  saveTokenizerFiles(join(dir, "tok"), bpe.vocab, bpe.merges, []);
  writeFileSync(join(dir, "in.txt"), text);
  const out = join(dir, "tokens.npy");
  mkdirSync(out);
  const p = Bun.spawnSync(
    [
      "bun",
      "packages/cli/src/main.ts",
      "encode",
      "--tokenizer",
      join(dir, "tok"),
      "--input",
      join(dir, "in.txt"),
    ].concat(["--out", out, "--workers", "0"]),
    { cwd: ROOT },
  );
  expect(p.exitCode).toBe(2);
  expect(p.stderr.toString()).toBe(`error: --out ${out} is a folder; give the path of the .npy file to write\n`);
  expect(p.stdout.toString()).toBe("");
  expect(readdirSync(out)).toEqual([]);
  expect(readdirSync(dir).sort()).toEqual(["in.txt", "tok", "tokens.npy"]);
});
