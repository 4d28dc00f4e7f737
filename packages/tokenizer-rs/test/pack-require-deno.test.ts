// The packed tarball from CommonJS and from Deno: `require("@cs336-ts/tokenizer")` in plain Node
// (require of an ES module, unflagged since Node 20.19) and `import` under Deno 2 (the root devDependency
// `deno`, whose npm package carries the binary), both resolving the bare name through node_modules and the
// manifest's exports. Each encodes/decodes a tiny vocab and trains a small BPE with 0 and 2 Workers.
// pack.test.ts covers Node ESM and Bun; browser.test.ts covers bundlers and Chromium.
import { beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { installTarball, TINY_IDS, TINY_TOKENIZER_JS } from "./support/tarball";

const NODE = existsSync("/usr/bin/node") ? "/usr/bin/node" : "node";
const DENO = resolve(import.meta.dir, "../../../node_modules/.bin/deno");

// Shared by both scripts: the caller puts Tokenizer and trainBpe in scope and calls main().
const BODY = `
const { writeFileSync, mkdtempSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
async function main() {
  ${TINY_TOKENIZER_JS}
  const ids = Array.from(tok.encode(text));
  const dir = mkdtempSync(join(tmpdir(), "tok-pack-rt-"));
  const corpus = Array.from({ length: 200 }, (_, i) => \`The cat \${i} sat; it's there.<|endoftext|>\`).join("\\n");
  writeFileSync(join(dir, "corpus.txt"), corpus);
  const opts = { input: join(dir, "corpus.txt"), vocabSize: 290, specialTokens: ["<|endoftext|>"] };
  const serial = await trainBpe({ ...opts, workers: 0 });
  const parallel = await trainBpe({ ...opts, workers: 2, chunkBytes: 1000 });
  const key = (m) => m.map(([x, y]) => x.join() + "|" + y.join()).join(";");
  console.log(JSON.stringify({
    ids, round: tok.decode(ids) === text, merges: serial.merges.length,
    workersAgree: key(serial.merges) === key(parallel.merges) && parallel.stats.workers === 2,
  }));
}
`;

const CJS = `const { Tokenizer, trainBpe } = require("@cs336-ts/tokenizer");\n${BODY}\nmain();\n`;
// Deno has no global require; node:module's createRequire gives the built-ins the shared body uses.
const DENO_SCRIPT = `import { Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
${BODY}
await main();
`;

const want = { round: true, merges: 290 - 257, workersAgree: true };
let app = "";

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "tok-pack-rt-app-"));
  installTarball(app);
  writeFileSync(join(app, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(app, "main.cjs"), CJS);
  writeFileSync(join(app, "main-deno.mjs"), DENO_SCRIPT);
}, 120_000);

function check(r: { status: number | null; stdout: string; stderr: string }) {
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const got = JSON.parse(r.stdout);
  expect({ ...got, ids: [] }).toEqual({ ...want, ids: [] });
  // " the" is one token (258), <|endoftext|> is 259; "in" stays bytes.
  expect(got.ids).toEqual(TINY_IDS);
}

test("Node require() of the packed tarball (no flags, Node ≥ 20.19)", () => {
  const version = spawnSync(NODE, ["--version"], { encoding: "utf8" }).stdout.trim();
  const [major = 0, minor = 0] = version.slice(1).split(".").map(Number);
  expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
  check(spawnSync(NODE, ["main.cjs"], { cwd: app, encoding: "utf8" }));
}, 60_000);

test("Deno imports the packed tarball", () => {
  if (!existsSync(DENO)) {
    console.warn(`skipped: no Deno at ${DENO} (the root devDependency \`deno\`; run bun install)`);
    return;
  }
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(app, ".deno") };
  // The package needs only --allow-read; the script's tmpdir() reads TMPDIR and it writes its corpus.
  // --no-remote: nothing may be fetched.
  const args = ["run", "--allow-read", "--allow-write", "--allow-env", "--no-remote", "main-deno.mjs"];
  check(spawnSync(DENO, args, { cwd: app, encoding: "utf8", env }));
}, 60_000);
