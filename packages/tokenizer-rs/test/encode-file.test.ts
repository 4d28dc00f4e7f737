// Parallel file encoding and `bun run cli encode`: ids equal encoding the whole text at once for every
// range size and worker count; the .npy loads in numpy with mmap; bad input exits 2 with a clear message
// and leaves no output (nor temporary) file behind.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { encodeFile, saveTokenizerFiles, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import { openNpy } from "@cs336-ts/trainer";
import { planRanges } from "../ts/encode-ranges.ts";

const EOT = "<|endoftext|>";
const ROOT = resolve(import.meta.dir, "../../..");
const dir = mkdtempSync(join(tmpdir(), "tok-encode-"));
const story = (i: number) =>
  `Once upon a time, story ${i}, a café 🙂 had ${i * 7} cats.\n\nThey'll play; it's fun!  ${EOT}`;
const text = `${Array.from({ length: 3000 }, (_, i) => story(i)).join("")}tail without a special token ${EOT}${EOT}`;
const input = join(dir, "input.txt");
writeFileSync(input, text);
const tokDir = join(dir, "tok");
const { vocab, merges } = await trainBpe({
  input: new TextEncoder().encode(text.slice(0, 50_000)),
  vocabSize: 400,
  specialTokens: [EOT],
});
saveTokenizerFiles(tokDir, vocab, merges, [EOT]);
const tok = Tokenizer.fromVocab(vocab, merges, [EOT]);
const whole = [...tok.encode(text)];

async function collect(opts: { workers: number; rangeBytes: number }): Promise<number[]> {
  const out: number[] = [];
  await encodeFile({ input, tokenizerDir: tokDir, ...opts, onIds: (ids) => out.push(...ids) });
  return out;
}

describe("encodeFile", () => {
  test.each([
    [0, 4096],
    [2, 4096],
    [2, 50_000],
    [3, 1 << 20],
  ])("workers %d, ranges of ~%d bytes: same ids as one encode", async (workers, rangeBytes) => {
    expect(await collect({ workers, rangeBytes })).toEqual(whole);
  });

  test("a file without special tokens still splits into ranges, and the Workers give the same ids", async () => {
    const plain = join(dir, "plain.txt");
    const body = Array.from({ length: 400 }, (_, i) => `Line ${i}: the café's ${i * 3} cats, "quoted".\n`).join("");
    writeFileSync(plain, body);
    const size = Buffer.byteLength(body);
    const ranges = planRanges(plain, size, 2000, [new TextEncoder().encode(EOT)]);
    expect(ranges.length).toBeGreaterThan(5);
    expect(ranges[0]?.start).toBe(0);
    expect(ranges.at(-1)?.end).toBe(size);
    ranges.forEach((r, i) => {
      if (i > 0) expect(r.start).toBe(ranges[i - 1]?.end as number);
    });
    const out: number[] = [];
    await encodeFile({
      input: plain,
      tokenizerDir: tokDir,
      workers: 2,
      rangeBytes: 2000,
      onIds: (ids) => out.push(...ids),
    });
    expect(out).toEqual([...tok.encode(body)]);
  });
});

function cli(...args: string[]) {
  // The timeout turns a command that blocks (reading a FIFO nobody writes) into a failure, not a hung suite.
  const r = spawnSync("bun", ["packages/cli/src/main.ts", "encode", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noLeftovers = (folder: string) => readdirSync(folder).filter((f) => f.includes(".tmp") || f.endsWith(".npy"));

describe("cli encode", () => {
  test("writes a uint16 .npy that numpy memory-maps, with a summary", () => {
    const out = join(dir, "ids.npy");
    const r = cli("--tokenizer", tokDir, "--input", input, "--out", out, "--workers", "2");
    expect(r.err).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote \d+ tokens \(uint16\)/);
    expect(r.out).toMatch(/bytes per token/);
    const npy = openNpy(out);
    expect(npy.dtype).toBe("uint16");
    expect([...npy.data]).toEqual(whole);
    const py = spawnSync(
      "python3",
      [
        "-c",
        `import numpy as n;a=n.load(${JSON.stringify(out)},mmap_mode="r");print(a.dtype,a.shape[0],int(a[:50].sum()))`,
      ],
      { encoding: "utf8" },
    );
    if (py.status === 0)
      expect(py.stdout.trim()).toBe(`uint16 ${whole.length} ${whole.slice(0, 50).reduce((a, b) => a + b, 0)}`);
  });

  test("bad input: exit 2, a message that says what to fix, no output file", () => {
    const bad = mkdtempSync(join(tmpdir(), "tok-encode-bad-"));
    const out = join(bad, "x.npy");
    const fifo = join(bad, "pipe.fifo"); // nobody writes it: reading it would block
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [["--tokenizer", join(bad, "none"), "--input", input, "--out", out], /is not a folder/],
      [
        ["--tokenizer", tokDir, "--input", join(bad, "missing.txt"), "--out", out],
        /cannot read input .*: file not found/,
      ],
      [["--tokenizer", tokDir, "--input", bad, "--out", out], /cannot read input .*: is a directory/],
      [["--tokenizer", tokDir, "--input", fifo, "--out", out], /cannot read input .*: not a regular file/],
      [["--tokenizer", tokDir, "--input", input, "--out", join(bad, "no/such/dir/x.npy")], /does not exist/],
      [["--tokenizer", tokDir, "--input", input, "--out", out, "--special-token", "<pad>"], /"<pad>" not in/],
      [["--tokenizer", tokDir, "--input", input, "--out", out, "--disallowed-special", EOT], /disallows/],
      [["--tokenizer", tokDir, "--input", input, "--out", out, "--disallowed-special", "all"], /disallows/],
      [["--tokenizer", tokDir, "--input", input], /missing required flag --out/],
    ];
    for (const [args, msg] of cases) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
    }
    // Invalid UTF-8 deep in the file fails mid-run: the error names the byte and nothing is left behind.
    const broken = join(bad, "broken.txt");
    writeFileSync(
      broken,
      Buffer.concat([Buffer.from(text.slice(0, 100_000)), Buffer.from([0xff]), Buffer.from("tail")]),
    );
    const r = cli("--tokenizer", tokDir, "--input", broken, "--out", out, "--workers", "2");
    expect(r.code).toBe(2);
    const offset = Buffer.byteLength(text.slice(0, 100_000));
    expect(r.err).toContain(`${broken}: `);
    expect(r.err).toContain(`not valid UTF-8 at byte offset ${offset}`);
    for (const workers of ["0", "1"]) {
      const w = cli("--tokenizer", tokDir, "--input", broken, "--out", out, "--workers", workers);
      expect(w.code).toBe(2);
      expect(w.err).toContain(`${broken}: `);
      expect(w.err).toContain(`byte offset ${offset}`);
    }
    expect(existsSync(out)).toBe(false);
    expect(noLeftovers(bad)).toEqual([]);
  });

  test("a merges file naming a token missing from the vocab: exit 2 with the line number", () => {
    const bad = mkdtempSync(join(tmpdir(), "tok-encode-merges-"));
    writeFileSync(join(bad, "vocab.json"), readFileSync(join(tokDir, "vocab.json")));
    writeFileSync(join(bad, "merges.txt"), `${readFileSync(join(tokDir, "merges.txt"), "utf8")}zz qq\n`);
    const r = cli("--tokenizer", bad, "--input", input, "--out", join(bad, "x.npy"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(`merges\\.txt line ${merges.length + 1}: the merge names or produces the token "zz"`),
    );
    expect(noLeftovers(bad)).toEqual([]);
  });

  test("SIGINT or SIGTERM mid-run: exit 130 / 143 and no OUT.npy.tmp-PID left behind", async () => {
    const big = mkdtempSync(join(tmpdir(), "tok-encode-sig-"));
    const bigInput = join(big, "big.txt");
    writeFileSync(bigInput, text.repeat(360)); // ~90 MB: about a second to encode on one native thread
    for (const [sig, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      const out = join(big, `${sig}.npy`);
      const p = Bun.spawn(
        [
          "bun",
          "packages/cli/src/main.ts",
          "encode",
          "--tokenizer",
          tokDir,
          "--input",
          bigInput,
          "--out",
          out,
          "--workers",
          "1",
        ],
        { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
      );
      const t0 = performance.now();
      while (!readdirSync(big).some((f) => f.includes(".tmp")) && performance.now() - t0 < 20_000) await Bun.sleep(5);
      expect(readdirSync(big).some((f) => f.includes(".tmp"))).toBe(true);
      // The command installs its signal handlers just after it creates OUT.npy.tmp-PID; a signal sent the
      // moment the file appears sometimes beat them under a loaded suite (exit 143 by the default action,
      // nothing on stderr). 50 ms later they are in place; encoding still has most of a second to go.
      await Bun.sleep(50);
      p.kill(sig);
      expect(await p.exited).toBe(code);
      expect(await new Response(p.stderr).text()).toContain(`interrupted (${sig})`);
      expect(noLeftovers(big)).toEqual([]);
    }
  }, 60_000);
});
