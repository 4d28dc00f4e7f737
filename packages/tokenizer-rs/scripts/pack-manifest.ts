// npm prepack/postpack: the package.json in the repo resolves to the TypeScript sources (Bun and tsc in
// the workspace use ts/ directly); the one packed into the tarball resolves to dist/ (ESM bundle, .d.ts,
// .wasm) and works without TypeScript. prepack builds and swaps the manifest, postpack restores it.
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";

const pkg = resolve(import.meta.dir, "..");
const manifest = join(pkg, "package.json");
const saved = join(pkg, ".package.dev.json");

if (process.argv[2] === "pre") {
  const r = spawnSync("bun", ["scripts/build-package.ts"], { cwd: pkg, stdio: "inherit" });
  if (r.status !== 0) process.exit(1);
  const dev = JSON.parse(readFileSync(manifest, "utf8"));
  copyFileSync(manifest, saved);
  const { scripts: _scripts, devDependencies: _dev, ...rest } = dev;
  const publish = {
    ...rest,
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./package.json": "./package.json" },
    files: ["dist/*.js", "dist/*.d.ts", "dist/tokenizer.wasm", "README.md", "LICENSE"],
    publishConfig: { access: "public" },
  };
  writeFileSync(manifest, `${JSON.stringify(publish, null, 2)}\n`);
} else if (existsSync(saved)) {
  renameSync(saved, manifest);
}
