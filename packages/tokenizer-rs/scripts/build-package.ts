// Builds the publishable package into dist/: the WASM core (scripts/build-wasm.sh), one ESM bundle per
// entry for Node/Bun/Deno (the API and the Workers it spawns; `bun build --target=node`), the same for
// browsers (web-index.js, web-train-worker.js, web-encode-worker.js: no node:* import, see webPlugin),
// and .d.ts declarations whose relative imports point at the .js/.d.ts files next to them. `bun run
// build` runs it.
import type { BunPlugin } from "bun";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const pkg = resolve(import.meta.dir, "..");
const dist = join(pkg, "dist");
const tsc = resolve(pkg, "../../node_modules/.bin/tsc");

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: pkg, stdio: "inherit" });
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
}

// Modules with a browser twin, named with -web (./wasm-file.ts → wasm-file-web.ts): the file reader (a page
// fetches instead), the Worker spawner and the native addon's loader (a page has only WASM).
const WEB_TWINS = ["wasm-file", "native-load", "worker-thread", "worker-port"];

/**
 * Node's modules in the browser bundle. Only the file-path APIs (trainBpe on paths, fromDirectory,
 * saveTokenizerFiles, encodeFile on a path) use them, so each import becomes a function that says so when called;
 * availableParallelism becomes the browser's core count.
 */
async function nodeShim(spec: string): Promise<string> {
  const names = Object.keys(await import(spec)).filter((n) => n !== "default" && /^[A-Za-z_$][\w$]*$/.test(n));
  const message = `(Node) is not available in a browser: file paths work in Node, Bun and Deno; in a page, pass the text, bytes or a Blob (trainBpe({ input: bytes }), encodeFile({ input: file, ranks }), Tokenizer.fromRankText(text), Tokenizer.fromVocab(...))`;
  const lines = [
    `const no = (name) => () => { throw new Error(name + "() " + ${JSON.stringify(message)}); };`,
    ...names.map((n) =>
      n === "availableParallelism" && spec === "node:os"
        ? "export const availableParallelism = () => globalThis.navigator?.hardwareConcurrency || 1;"
        : `export const ${n} = no(${JSON.stringify(`${spec.slice(5)}.${n}`)});`,
    ),
  ];
  return lines.join("\n");
}

const webPlugin: BunPlugin = {
  name: "web",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^\\./(${WEB_TWINS.join("|")})\\.ts$`) }, (a) => ({
      path: join(dirname(a.importer), a.path.replace(/\.ts$/, "-web.ts")),
    }));
    build.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: "node-web" }));
    build.onLoad({ filter: /.*/, namespace: "node-web" }, async (a) => ({
      contents: await nodeShim(a.path),
      loader: "js",
    }));
  },
};

async function buildWeb(): Promise<void> {
  const out = await Bun.build({
    entrypoints: ["ts/index.ts", "ts/train-worker.ts", "ts/encode-worker.ts"].map((e) => join(pkg, e)),
    outdir: dist,
    root: join(pkg, "ts"),
    target: "browser",
    format: "esm",
    naming: "web-[name].[ext]",
    plugins: [webPlugin],
  });
  if (!out.success) fail(`browser build failed:\n${out.logs.join("\n")}`);
  for (const f of ["web-index.js", "web-train-worker.js", "web-encode-worker.js"]) {
    const text = readFileSync(join(dist, f), "utf8");
    const node = text.match(/(from|import\(|require\()\s*["']node:[\w/]+["']/);
    if (node) fail(`dist/${f} still refers to Node (${node[0]}): bundlers for the web would fail on it`);
    if (f.includes("worker") && text.includes("new Worker(")) fail(`dist/${f} starts Workers itself`);
  }
}

run("bash", ["scripts/build-wasm.sh"]);
// Skipped when nothing it reads changed since the last build (`bun run tarball` runs it every time).
const inputs = [
  ...readdirSync(join(pkg, "ts"))
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => join(pkg, "ts", f)),
  join(pkg, "tsconfig.build.json"),
  join(pkg, "../../tsconfig.base.json"), // extended by tsconfig.build.json: strictness shapes inferred .d.ts types
  import.meta.path,
];
const hash = createHash("sha256");
for (const f of inputs) hash.update(f).update(readFileSync(f));
const digest = hash.digest("hex");
const stamp = join(dist, ".package-hash");
if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest && existsSync(join(dist, "index.d.ts"))) {
  process.exit(0);
}
for (const f of readdirSync(dist)) if (/\.(js|d\.ts)$/.test(f)) rmSync(join(dist, f));
const entries = ["ts/index.ts", "ts/encode-worker.ts", "ts/train-worker.ts"];
run("bun", ["build", ...entries, "--target=node", "--format=esm", "--outdir", "dist", "--root", "ts"]);
await buildWeb();
// The bundles live in dist/ beside tokenizer.wasm, where the sources' "../dist/" reached it from ts/.
for (const f of readdirSync(dist).filter((n) => n.endsWith(".js"))) {
  const path = join(dist, f);
  writeFileSync(path, readFileSync(path, "utf8").replaceAll('"../dist/tokenizer.wasm"', '"./tokenizer.wasm"'));
}
for (const f of ["index.js", "web-index.js", "web-train-worker.js", "web-encode-worker.js", "train-worker.js"]) {
  if (!readFileSync(join(dist, f), "utf8").includes('new URL("./tokenizer.wasm", import.meta.url)')) {
    fail(`dist/${f} does not find tokenizer.wasm through new URL("./tokenizer.wasm", import.meta.url)`);
  }
}
run(tsc, ["-p", "tsconfig.build.json"]);
// Declarations keep the sources' `.ts` specifiers; consumers resolve `./x.js` to the x.d.ts beside it.
for (const f of readdirSync(dist).filter((n) => n.endsWith(".d.ts"))) {
  const path = join(dist, f);
  const text = readFileSync(path, "utf8").replace(
    /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']+)\.ts\2/g,
    "$1$2$3.js$2",
  );
  writeFileSync(path, text);
}
writeFileSync(stamp, digest);
console.error(
  `built ${dist}: ${readdirSync(dist)
    .filter((n) => !n.startsWith("."))
    .join(", ")}`,
);
