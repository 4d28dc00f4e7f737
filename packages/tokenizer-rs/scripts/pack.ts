// `bun run tarball [--pack-destination DIR] [--json]`: builds dist/ (scripts/build-package.ts), copies the
// publishable files (dist/*.js, dist/*.d.ts, dist/tokenizer.wasm, README.md, LICENSE) with the publish
// manifest (resolving to dist/) into a fresh temp dir, and runs `npm pack` on that dir. The repo's own
// package.json (which resolves to ts/ for the workspace) is only read, never written, so a killed run or a
// concurrent import cannot see a swapped manifest. Arguments are passed through to `npm pack`.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const pkg = resolve(import.meta.dir, "..");
const dist = join(pkg, "dist");

/** The manifest users get: the repo's, minus dev-only fields, resolving to the built files. */
export function publishManifest(dev: Record<string, unknown>): Record<string, unknown> {
  const { scripts: _scripts, devDependencies: _dev, ...rest } = dev;
  return {
    ...rest,
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./package.json": "./package.json" },
    files: ["dist/*.js", "dist/*.d.ts", "dist/tokenizer.wasm", "README.md", "LICENSE"],
    publishConfig: { access: "public" },
  };
}

function main(): number {
  const build = spawnSync("bun", ["scripts/build-package.ts"], { cwd: pkg, stdio: "inherit" });
  if (build.status !== 0) return 1;
  const stage = mkdtempSync(join(tmpdir(), "tokenizer-pack-"));
  try {
    mkdirSync(join(stage, "dist"));
    for (const f of readdirSync(dist)) {
      if (/\.(js|d\.ts)$/.test(f) || f === "tokenizer.wasm") copyFileSync(join(dist, f), join(stage, "dist", f));
    }
    for (const f of ["README.md", "LICENSE"]) copyFileSync(join(pkg, f), join(stage, f));
    const dev = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(stage, "package.json"), `${JSON.stringify(publishManifest(dev), null, 2)}\n`);
    // `npm pack` runs in the stage dir, so the destination is made absolute first; `bun run` starts
    // scripts in this package's folder, which is what relative paths and the default are taken from.
    const args = process.argv.slice(2);
    const at = args.indexOf("--pack-destination");
    const dest = at >= 0 ? args[at + 1] : undefined;
    if (at >= 0 && dest === undefined) {
      console.error("error: --pack-destination needs a directory, e.g. --pack-destination /tmp/out");
      return 2;
    }
    if (at < 0) args.push("--pack-destination", process.cwd());
    else args[at + 1] = resolve(process.cwd(), dest as string);
    console.error(`staged package: ${stage} (removed after packing)`);
    const packed = spawnSync("npm", ["pack", stage, ...args], { stdio: "inherit" });
    return packed.status ?? 1;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (import.meta.main) process.exit(main());
