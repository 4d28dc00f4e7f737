// Publishing a tokenizer folder (issue 11, items 2 and 13): vocab.json, merges.txt and tokenizer.json
// appear as one unit (a sibling folder swapped in), train-bpe refuses to replace a tokenizer folder
// without --force and refuses an --out it cannot create before training, and encode explains its
// special-token refusals in its own flags.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { saveTokenizerFiles, trainBpe } from "@cs336-ts/tokenizer";

const MAIN = resolve(import.meta.dir, "../../cli/src/main.ts");
const EOT = "<|endoftext|>";
const dir = mkdtempSync(join(tmpdir(), "tok-folder-"));
const input = join(dir, "in.txt");
writeFileSync(input, `${"the cat sat on the mat, the end. ".repeat(200)}${EOT}more text here`);

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", MAIN, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}
const files = (d: string) => Object.fromEntries(readdirSync(d).map((n) => [n, readFileSync(join(d, n), "utf8")]));
const siblings = (d: string, name: string) => readdirSync(d).filter((n) => n !== name && n.startsWith(name));

describe("saveTokenizerFiles", () => {
  test("replaces the three files as one unit and leaves no sibling folder", async () => {
    const out = join(dir, "lib-tok");
    const a = await trainBpe({ input, vocabSize: 270, specialTokens: [EOT] });
    const b = await trainBpe({ input, vocabSize: 280, specialTokens: [EOT] });
    saveTokenizerFiles(out, a.vocab, a.merges, [EOT]);
    saveTokenizerFiles(out, b.vocab, b.merges, [EOT]);
    expect(Object.keys(files(out)).sort()).toEqual(["merges.txt", "tokenizer.json", "vocab.json"]);
    expect(JSON.parse(files(out)["tokenizer.json"] as string).model.merges.length).toBe(b.merges.length);
    expect(siblings(dir, "lib-tok")).toEqual([]);
  });

  test("a folder holding other files is refused, not swapped away", async () => {
    const out = join(dir, "busy");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    const a = await trainBpe({ input, vocabSize: 270 });
    expect(() => saveTokenizerFiles(out, a.vocab, a.merges)).toThrow(
      `${out} holds files that are not a tokenizer's (notes.txt); give a folder of its own`,
    );
    expect(files(out)).toEqual({ "notes.txt": "mine" });
  });

  test("overwrite: false refuses an existing tokenizer folder", async () => {
    const out = join(dir, "keep");
    const a = await trainBpe({ input, vocabSize: 270 });
    saveTokenizerFiles(out, a.vocab, a.merges);
    const before = files(out);
    expect(() => saveTokenizerFiles(out, a.vocab, a.merges, [], { overwrite: false })).toThrow(
      `${out} already holds a tokenizer`,
    );
    expect(files(out)).toEqual(before);
  });
});

describe("cli train-bpe --out", () => {
  test("an existing tokenizer folder is kept unless --force, refused before training", () => {
    const out = join(dir, "cli-tok");
    const args = (v: number) => [
      "train-bpe",
      "--input",
      input,
      "--vocab-size",
      `${v}`,
      "--special-token",
      EOT,
      "--out",
      out,
    ];
    expect(cli(...args(270)).code).toBe(0);
    const before = files(out);
    const again = cli(...args(280));
    expect(again.code).toBe(2);
    expect(again.err).toContain(`--out ${out} already holds a tokenizer; pass --force to replace it`);
    expect(again.err).not.toContain("pre-tokenizing");
    expect(files(out)).toEqual(before);
    const forced = cli(...args(280), "--force");
    expect(forced.code).toBe(0);
    expect(JSON.parse(files(out)["tokenizer.json"] as string).model.merges.length).toBe(280 - 257);
    expect(siblings(dir, "cli-tok")).toEqual([]);
  });

  test("an --out that cannot be created fails before training (a parent that is a dangling link)", () => {
    const link = join(dir, "dangling");
    symlinkSync(join(dir, "no-such-target"), link);
    const out = join(link, "tok");
    const r = cli("train-bpe", "--input", input, "--vocab-size", "270", "--out", out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot create --out ${out}`);
    expect(r.err).not.toContain("pre-tokenizing");
    expect(r.err).not.toContain("ENOENT");
  });
});

describe("cli encode speaks in its own flags", () => {
  const tok = join(dir, "enc-tok");
  const out = join(dir, "x.npy");
  test("special-token refusals name --allowed-special / --disallowed-special", () => {
    expect(cli("train-bpe", "--input", input, "--vocab-size", "270", "--special-token", EOT, "--out", tok).code).toBe(
      0,
    );
    const base = ["encode", "--tokenizer", tok, "--input", input, "--out", out];
    const cases: Array<[string[], string]> = [
      [
        ["--disallowed-special", "all"],
        `${input} contains the special token "${EOT}", which --disallowed-special disallows; pass --allowed-special '${EOT}' to encode it as a special token, or leave it out of --disallowed-special to encode it as plain text`,
      ],
      [
        ["--disallowed-special", "all", "--allowed-special", "all"],
        "--allowed-special all and --disallowed-special all contradict each other; pass one of them",
      ],
      [
        ["--disallowed-special", "<|x|>"],
        `--disallowed-special: "<|x|>" is not a special token of ${tok} (its special tokens: "${EOT}")`,
      ],
      [
        ["--disallowed-special", EOT, "--allowed-special", EOT],
        `special token "${EOT}" is given to both --allowed-special and --disallowed-special; give it to one`,
      ],
    ];
    for (const [flags, message] of cases) {
      const r = cli(...base, ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).not.toMatch(/allowedSpecial|disallowedSpecial/);
    }
    expect(existsSync(out)).toBe(false);
  });

  test("temporary .npy files of a killed encode beside --out are removed and reported", () => {
    const dead = Bun.spawnSync(["true"]).pid; // exited: nobody writes with its pid any more
    const stale = `${out}.tmp-${dead}`;
    writeFileSync(stale, new Uint8Array(2_000_000));
    const r = cli("encode", "--tokenizer", tok, "--input", input, "--out", out);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`removed ${stale} (2.0 MB), left by an encode that was killed`);
    expect(existsSync(stale)).toBe(false);
  });
});
