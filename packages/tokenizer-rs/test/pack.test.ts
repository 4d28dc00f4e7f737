// The npm package as users get it: `bun run tarball` (builds dist/, packs a staged copy with the publish
// manifest; the repo's package.json stays byte-identical), the tarball extracted into an empty folder's
// node_modules (no dependencies, so no install step offline), then used from plain Node 20 and from Bun:
// GPT-2-like data from a tiny vocab, and both parallel paths (Worker threads: encodeFile and trainBpe),
// whose Worker files live in dist/. The first run in a fresh checkout builds dist/ (~30 s).
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TINY_TOKENIZER_JS } from "./support/tarball.ts";

const PKG = resolve(import.meta.dir, "..");
const NODE = existsSync("/usr/bin/node") ? "/usr/bin/node" : "node";

// Bytes plus merges for " t", "he", " the" (the GPT-2 byte alphabet writes a space as "Ġ").
const SCRIPT = `
import { Tokenizer } from "@cs336-ts/tokenizer";
${TINY_TOKENIZER_JS}
const ids = Array.from(tok.encode(text));
const streamed = [];
for await (const id of tok.encodeIterable(["in th", "e end<|endo", "ftext|> the caf", "é"])) streamed.push(id);
// Parallel paths: Workers load dist/encode-worker.js and dist/train-worker.js.
const { encodeFile, saveTokenizerFiles, trainBpe } = await import("@cs336-ts/tokenizer");
const { mkdtempSync, writeFileSync } = await import("node:fs");
const { join } = await import("node:path");
const { tmpdir } = await import("node:os");
const dir = mkdtempSync(join(tmpdir(), "tok-pack-run-"));
const corpus = Array.from({ length: 300 }, (_, i) => \`The cat \${i} sat; it's there.<|endoftext|>\`).join("\\n");
writeFileSync(join(dir, "corpus.txt"), corpus);
const opts = { input: join(dir, "corpus.txt"), vocabSize: 300, specialTokens: ["<|endoftext|>"] };
const serial = await trainBpe({ ...opts, workers: 0 });
const parallel = await trainBpe({ ...opts, workers: 2, chunkBytes: 1000 });
const key = (m) => m.map(([a, b]) => a.join() + "|" + b.join()).join(";");
saveTokenizerFiles(join(dir, "tok"), parallel.vocab, parallel.merges, ["<|endoftext|>"]);
const parts = [];
await encodeFile({ input: opts.input, tokenizerDir: join(dir, "tok"), workers: 2, rangeBytes: 1000, onIds: (x) => parts.push(...x) });
const trained = Tokenizer.fromDirectory(join(dir, "tok"));
console.log(JSON.stringify({
  ids, round: tok.decode(ids) === text, streamed: streamed.join() === ids.join(), size: tok.vocabSize,
  trainWorkers: key(serial.merges) === key(parallel.merges) && parallel.stats.workers === 2,
  encodeWorkers: parts.length > 0 && parts.join() === Array.from(trained.encode(corpus)).join(),
}));
tok[Symbol.dispose]();
`;

test("bun run tarball → extract → use from Node 20 and Bun", () => {
  const dest = mkdtempSync(join(tmpdir(), "tok-pack-"));
  const manifestBefore = readFileSync(join(PKG, "package.json"), "utf8");
  const packed = spawnSync("bun", ["run", "tarball", "--pack-destination", dest, "--json"], {
    cwd: PKG,
    encoding: "utf8",
  });
  expect(packed.status, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const files = (info[0]?.files ?? []).map((f) => f.path).sort();
  expect(files).toContain("dist/tokenizer.wasm");
  expect(files).toContain("dist/index.js");
  expect(files).toContain("dist/index.d.ts");
  expect(files).toContain("README.md");
  expect(files).toContain("LICENSE");
  expect(files.some((f) => f.startsWith("ts/"))).toBe(false);
  // Packing never writes the repo's manifest (a staged copy is packed), and leaves no stage dir behind.
  expect(readFileSync(join(PKG, "package.json"), "utf8")).toBe(manifestBefore);
  expect(JSON.parse(manifestBefore).exports["."]).toBe("./ts/index.ts");
  const stage = /staged package: (\S+)/.exec(packed.stderr)?.[1];
  expect(stage).toBeDefined();
  expect(existsSync(stage as string)).toBe(false);

  const app = join(dest, "app");
  const target = join(app, "node_modules/@cs336-ts/tokenizer");
  mkdirSync(target, { recursive: true });
  const tar = spawnSync("tar", ["-xzf", join(dest, info[0]?.filename ?? ""), "-C", target, "--strip-components=1"]);
  expect(tar.status).toBe(0);
  const manifest = JSON.parse(readFileSync(join(target, "package.json"), "utf8"));
  expect(manifest.exports["."]).toEqual({
    types: "./dist/index.d.ts",
    node: "./dist/index.js",
    bun: "./dist/index.js",
    deno: "./dist/index.js",
    browser: "./dist/web-index.js",
    worker: "./dist/web-index.js",
    default: "./dist/index.js",
  });
  expect(files).toContain("dist/web-index.js");
  expect(files).toContain("dist/web-train-worker.js");
  expect(manifest.publishConfig).toEqual({ access: "public" });
  expect(manifest.license).toBe("MIT");
  writeFileSync(join(app, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(app, "main.mjs"), SCRIPT);

  const want = { ids: [], round: true, streamed: true, size: 260, trainWorkers: true, encodeWorkers: true };
  for (const runtime of [NODE, "bun"]) {
    const r = spawnSync(runtime, ["main.mjs"], { cwd: app, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout);
    expect({ ...got, ids: [] }).toEqual(want);
    // " the" is one token (258), <|endoftext|> is 259; "in" stays bytes.
    expect(got.ids).toContain(258);
    expect(got.ids).toContain(259);
  }
}, 120_000);

test("plain `npm pack` in the package folder is refused and points at `bun run tarball`", () => {
  const dest = mkdtempSync(join(tmpdir(), "tok-pack-plain-"));
  const r = spawnSync("npm", ["pack", "--pack-destination", dest], { cwd: PKG, encoding: "utf8" });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("run bun run tarball");
  expect(readdirSync(dest)).toEqual([]);
});
