// Builds the publishable package into dist/: the WASM core (scripts/build-wasm.sh), one ESM bundle per
// entry (the API and the Workers it spawns; `bun build --target=node`), and .d.ts declarations whose
// relative imports point at the .js/.d.ts files next to them. `bun run build` in this package runs it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const pkg = resolve(import.meta.dir, "..");
const dist = join(pkg, "dist");
const tsc = resolve(pkg, "../../node_modules/.bin/tsc");

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: pkg, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`error: ${cmd} ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(1);
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
