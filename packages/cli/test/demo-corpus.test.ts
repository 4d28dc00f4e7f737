// Where the demo finds its text: --corpus (split at a story boundary), ../shared/data, an earlier download,
// a download from a local server, and the message when none of them works.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { blankLineShare, findCorpus, matchParagraphs, readHead, splitCorpus } from "../src/app/demo/corpus.ts";
import { DATASETS } from "../src/app/download/datasets.ts";
import { sharedFile } from "@cs336-ts/testkit";

const root = mkdtempSync(join(tmpdir(), "cs336-demo-corpus-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const limits = { trainBytes: 1 << 20, validBytes: 1 << 18 };
const story = (i: number) => `Story ${i}: Tom saw a big red ball. He was happy.\n<|endoftext|>\n`;
const stories = (n: number) => Array.from({ length: n }, (_, i) => story(i)).join("");

describe("splitCorpus / readHead", () => {
  test("validation is the tail, cut at a story boundary, with no story in both", () => {
    const text = stories(500);
    const { train, valid } = splitCorpus(text, limits);
    expect(train + valid).toBe(text);
    expect(train.endsWith("<|endoftext|>")).toBe(true);
    expect(valid.length).toBeGreaterThan(text.length / 12);
    expect(valid.length).toBeLessThan(text.length / 8);
  });

  test("readHead stops at the last boundary inside the byte budget and never splits a character", () => {
    const path = join(root, "head.txt");
    writeFileSync(path, `${"é".repeat(100)}<|endoftext|>${"x".repeat(10)}é`);
    expect(readHead(path, 213)).toBe(`${"é".repeat(100)}<|endoftext|>`);
    expect(readHead(path, 1000)).toBe(`${"é".repeat(100)}<|endoftext|>${"x".repeat(10)}é`);
  });
});

describe("findCorpus", () => {
  test("--corpus is split 90/10; a missing or tiny file says how to fix it", async () => {
    const path = join(root, "mine.txt");
    writeFileSync(path, stories(400));
    const c = await findCorpus({ corpus: path, repoRoot: root, limits, download: false });
    expect(c.source).toContain("split 90/10");
    expect(c.train + c.valid).toBe(stories(400));
    await expect(
      findCorpus({ corpus: join(root, "nope.txt"), repoRoot: root, limits, download: false }),
    ).rejects.toThrow(/no such file; give the demo a text corpus: `bun run demo --corpus FILE`/);
    writeFileSync(join(root, "tiny.txt"), "hello");
    await expect(
      findCorpus({ corpus: join(root, "tiny.txt"), repoRoot: root, limits, download: false }),
    ).rejects.toThrow(/at least 10 kB/);
  });

  const repo = resolve(import.meta.dir, "../../..");
  test.skipIf(!sharedFile("data/tinystories_v1_train_head_2MiB.txt"))(
    "finds the TinyStories heads in ../shared/data on these machines",
    async () => {
      const c = await findCorpus({
        corpus: null,
        repoRoot: repo,
        limits: { trainBytes: 50_000, validBytes: 20_000 },
        download: false,
      });
      expect(c.source).toContain("tinystories_v1_train_head_2MiB.txt");
      expect(c.train.length).toBeLessThanOrEqual(50_000);
      expect(c.train.length).toBeGreaterThan(30_000);
      expect(c.valid.length).toBeGreaterThan(10_000);
    },
  );

  test("downloads the validation split when nothing is local; offline says how to give a corpus", async () => {
    const fresh = join(root, "fresh-clone");
    mkdirSync(fresh);
    const text = stories(300);
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(text) });
    const lines: string[] = [];
    const c = await findCorpus({
      corpus: null,
      repoRoot: fresh,
      limits,
      download: true,
      downloadOptions: { baseUrl: `http://127.0.0.1:${server.port}` },
      log: (l) => lines.push(l),
    });
    server.stop(true);
    expect(lines[0]).toMatch(/downloading the validation split/);
    expect(c.source).toContain(DATASETS.tinystories.files.valid.local);
    expect(c.train + c.valid).toBe(text);
    // Now the earlier download is found without a server.
    const again = await findCorpus({ corpus: null, repoRoot: fresh, limits, download: false });
    expect(again.train + again.valid).toBe(text);

    // Both splits where the README's `download --out data/tinystories` puts them are found too.
    const readme = join(root, "readme-clone");
    mkdirSync(join(readme, "data", "tinystories"), { recursive: true });
    const splitText = stories(200);
    writeFileSync(join(readme, "data", "tinystories", DATASETS.tinystories.files.train.local), splitText);
    writeFileSync(join(readme, "data", "tinystories", DATASETS.tinystories.files.valid.local), stories(40));
    const found = await findCorpus({ corpus: null, repoRoot: readme, limits, download: false });
    expect(found.source).toBe(`${join(readme, "data", "tinystories")} (earlier download)`);

    const offline = join(root, "offline-clone");
    mkdirSync(offline);
    await expect(
      findCorpus({
        corpus: null,
        repoRoot: offline,
        limits,
        download: true,
        downloadOptions: { baseUrl: `http://127.0.0.1:${server.port}`, retries: 0 },
      }),
    ).rejects.toThrow(/could not download TinyStories \(cannot reach 127\.0\.0\.1.*--corpus FILE/);
  });
});

describe("matchParagraphs", () => {
  test("collapses validation blank lines only when the training text has none", () => {
    // Blank lines around <|endoftext|> do not count: inside the training stories there are none.
    const c = { source: "s", train: "a\nb\n<|endoftext|>\n\nc\nd\n", valid: "x\n\ny\n \n\nz\n" };
    expect(matchParagraphs(c)).toMatchObject({ valid: "x\ny\nz\n", note: expect.stringContaining("collapsed") });
    const same = { source: "s", train: "a\n\nb\n", valid: "x\n\ny\n" };
    expect(matchParagraphs(same)).toBe(same);
    expect(blankLineShare("a\nb\n\nc<|endoftext|>\n\nd\ne")).toBeCloseTo(1 / 3, 12);
  });

  test.skipIf(!sharedFile("data/tinystories_v1_valid_head_794k.txt"))(
    "the shared TinyStories heads get matched",
    async () => {
      const repo = resolve(import.meta.dir, "../../..");
      const c = await findCorpus({
        corpus: null,
        repoRoot: repo,
        limits: { trainBytes: 200_000, validBytes: 50_000 },
        download: false,
      });
      expect(c.note).toContain("collapsed");
      expect(c.valid).not.toMatch(/\n[ \t]*\n/);
    },
  );
});
