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

// Every runtime and bundler picks its entry by condition: Node, Bun and Deno the build that reads
// tokenizer.wasm from disk and starts worker_threads; browsers and web workers (Vite, esbuild
// --platform=browser, webpack) the one that fetches it and starts module Web Workers. One .d.ts for both.
const ENTRY = {
  types: "./dist/index.d.ts",
  node: "./dist/index.js",
  bun: "./dist/index.js",
  deno: "./dist/index.js",
  browser: "./dist/web-index.js",
  worker: "./dist/web-index.js",
  default: "./dist/index.js",
};

/** The repository's web address (the root package.json's `repository`), without "git+" and ".git". */
export function repositoryUrl(root: Record<string, unknown>): string | undefined {
  const r = root.repository;
  const url = typeof r === "string" ? r : (r as { url?: unknown } | undefined)?.url;
  if (typeof url !== "string" || !/^(git\+)?https:\/\//.test(url)) return undefined;
  return url.replace(/^git\+/, "").replace(/\.git$/, "");
}

/**
 * The manifest users get: the repo's, minus dev-only fields, resolving to the built files. The links
 * (repository, homepage, bugs) come from the root package.json's `repository`; without one they are
 * left out rather than published pointing nowhere.
 */
export function publishManifest(
  dev: Record<string, unknown>,
  root: Record<string, unknown> = {},
): Record<string, unknown> {
  const { scripts: _scripts, devDependencies: _dev, repository: _repo, homepage: _home, bugs: _bugs, ...rest } = dev;
  const url = repositoryUrl(root);
  const links = url
    ? {
        repository: { type: "git", url: `git+${url}.git`, directory: "packages/tokenizer-rs" },
        homepage: `${url}/tree/main/packages/tokenizer-rs#readme`,
        bugs: { url: `${url}/issues` },
      }
    : {};
  return {
    ...rest,
    ...links,
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    browser: { "./dist/index.js": "./dist/web-index.js" },
    exports: { ".": ENTRY, "./tokenizer.wasm": "./dist/tokenizer.wasm", "./package.json": "./package.json" },
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
    const root = JSON.parse(readFileSync(join(pkg, "../../package.json"), "utf8")) as Record<string, unknown>;
    if (!repositoryUrl(root)) {
      console.error(
        "note: the root package.json has no https `repository`; the packed manifest has no repository/homepage/bugs",
      );
    }
    writeFileSync(join(stage, "package.json"), `${JSON.stringify(publishManifest(dev, root), null, 2)}\n`);
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
