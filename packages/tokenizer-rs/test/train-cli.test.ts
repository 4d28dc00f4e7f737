// `bun run cli train-bpe` end to end: CS336's reference merges.txt reproduced byte for byte, and a bad
// input exits 2 with a clear message and leaves no output folder behind.
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";

const MAIN = resolve(import.meta.dir, "../../cli/src/main.ts");
const corpus = sharedFile("fixtures/cs336/corpus.en");
const refMerges = sharedFile("fixtures/cs336/train-bpe-reference-merges.txt");
if (!corpus || !refMerges) console.warn(missingMessage("fixtures/cs336/corpus.en"));

function cli(args: string[]) {
  const p = Bun.spawnSync(["bun", MAIN, "train-bpe", ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

test.skipIf(!corpus || !refMerges)("writes CS336's reference merges and a summary", () => {
  const out = join(mkdtempSync(join(tmpdir(), "cli-train-")), "tok");
  const r = cli(["--input", corpus as string, "--vocab-size", "500", "--special-token", "<|endoftext|>", "--out", out]);
  expect(r.code).toBe(0);
  expect(r.out).toContain("243 merges");
  expect(r.out).toMatch(/peak RSS \d+ MB/);
  expect(r.out).toContain("longest token");
  expect(readFileSync(join(out, "merges.txt"), "utf8")).toBe(readFileSync(refMerges as string, "utf8"));
  expect(JSON.parse(readFileSync(join(out, "vocab.json"), "utf8"))["<|endoftext|>"]).toBe(499);
});

test("bad input: exit 2, clear message, no output", () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-train-bad-"));
  const out = join(dir, "tok");
  const r = cli(["--input", join(dir, "missing.txt"), "--vocab-size", "300", "--out", out]);
  expect(r.code).toBe(2);
  expect(r.err).toContain("cannot read input file");
  expect(existsSync(out)).toBe(false);
  const u = cli(["--input", join(dir, "missing.txt"), "--out", out]);
  expect(u.code).toBe(2);
  expect(u.err).toContain("missing required flag --vocab-size");
});

test("--out naming a file fails before any training", () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-train-out-"));
  const input = join(dir, "in.txt");
  writeFileSync(input, "hello world ".repeat(100));
  const file = join(dir, "taken");
  writeFileSync(file, "x");
  const r = cli(["--input", input, "--vocab-size", "300", "--out", file]);
  expect(r.code).toBe(2);
  expect(r.err).toContain(`--out ${file} is a file; give a folder`);
  expect(r.err).not.toContain("pre-tokenizing");
  const under = cli(["--input", input, "--vocab-size", "300", "--out", join(file, "sub")]);
  expect(under.code).toBe(2);
  expect(under.err).toContain(`${file} is a file`);
  expect(under.err).not.toContain("pre-tokenizing");
});

test("SIGINT or SIGTERM mid-training: exit 130 / 143, nothing written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-train-sig-"));
  const input = join(dir, "in.txt");
  // Random words (seeded): many distinct pre-tokens, so 20000 merges take a while even natively. The signal
  // goes out when the first merge batch is reported, not after a fixed delay: the trainer got fast enough
  // (0.6 s for 300k words) to finish before a 700 ms timer fired.
  let x = 12345;
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) / (1 << 24);
  };
  const words = Array.from({ length: 1_000_000 }, () =>
    Array.from({ length: 3 + Math.floor(rnd() * 10) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join(""),
  );
  writeFileSync(input, words.join(" "));
  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    const out = join(dir, `tok-${sig}`);
    const p = Bun.spawn(
      ["bun", MAIN, "train-bpe", "--input", input, "--vocab-size", "20000", "--workers", "1", "--out", out],
      { stdout: "pipe", stderr: "pipe" },
    );
    const reader = p.stderr.getReader();
    const decoder = new TextDecoder();
    let err = "";
    /** Reads stderr until `until` holds or it ends. */
    const readUntil = async (until: () => boolean) => {
      while (!until()) {
        const { done, value } = await reader.read();
        if (done) return;
        err += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(() => err.includes("merging:"));
    expect(err).toContain("merging:");
    expect(err).not.toContain("trained 20000 tokens");
    p.kill(sig);
    expect(await p.exited).toBe(code);
    await readUntil(() => false);
    expect(err).toContain(`interrupted (${sig})`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  }
}, 60_000);
