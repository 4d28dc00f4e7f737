// `bun run tarball [--pack-destination DIR] [--json]`: builds dist/ (scripts/build-package.ts), copies the
// publishable files (dist/*.js, dist/*.d.ts, dist/tokenizer.wasm, README.md, LICENSE) with the publish
// manifest (resolving to dist/) into a fresh temp dir, and runs `npm pack` on that dir. Beside it, napi-rs's
// per-platform packages: one per `napi.targets` triple whose addon native/tokenizer.<platform>.node is built,
// which the main manifest lists in optionalDependencies so npm installs only the one matching the machine
// (WASM stays the default everywhere else). The repo's own package.json (which resolves to ts/ for the
// workspace) is only read, never written, so a killed run or a concurrent import cannot see a swapped
// manifest. Arguments are passed through to `npm pack`, which packs all staged dirs in one call (one --json).
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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

/** A Rust target triple as napi-rs names its package: `linux-x64-gnu` for x86_64-unknown-linux-gnu. */
export type NativeTarget = { triple: string; platform: string; arch: string; abi?: string; platformArchAbi: string };

// The triples scripts/build-native.sh can build; napi-rs's names for Node's process.platform/arch.
const TRIPLES: Record<string, Omit<NativeTarget, "triple" | "platformArchAbi">> = {
  "x86_64-unknown-linux-gnu": { platform: "linux", arch: "x64", abi: "gnu" },
  "aarch64-unknown-linux-gnu": { platform: "linux", arch: "arm64", abi: "gnu" },
};

/** The manifest's `napi.targets` (napi-rs's config field), each resolved to its platform name. */
export function nativeTargets(dev: Record<string, unknown>): NativeTarget[] {
  const napi = dev.napi as { targets?: unknown } | undefined;
  const triples = Array.isArray(napi?.targets) ? (napi.targets as unknown[]) : [];
  return triples.map((triple) => {
    const t = typeof triple === "string" ? TRIPLES[triple] : undefined;
    if (!t) {
      throw new Error(
        `package.json napi.targets: ${JSON.stringify(triple)} is not a target this package builds (known: ${Object.keys(TRIPLES).join(", ")})`,
      );
    }
    const platformArchAbi = [t.platform, t.arch, t.abi].filter(Boolean).join("-");
    return { triple: triple as string, ...t, platformArchAbi };
  });
}

/** The addon's file name, in native/ here and at the root of its platform package. */
export function nativeBinary(dev: Record<string, unknown>, target: NativeTarget): string {
  const name = (dev.napi as { binaryName?: unknown } | undefined)?.binaryName;
  return `${typeof name === "string" ? name : "tokenizer"}.${target.platformArchAbi}.node`;
}

/**
 * One platform package's manifest (napi-rs's create-npm-dirs layout): `<name>-<platform>` at the main
 * package's version, holding just the addon, with os/cpu/libc so npm skips it on any other machine.
 */
export function platformManifest(
  dev: Record<string, unknown>,
  target: NativeTarget,
  root: Record<string, unknown> = {},
): Record<string, unknown> {
  const binary = nativeBinary(dev, target);
  const links = publishLinks(root);
  return {
    name: `${dev.name}-${target.platformArchAbi}`,
    version: dev.version,
    description: `The ${target.triple} Node-API addon of ${dev.name} (installed by it where it matches; WebAssembly is used elsewhere)`,
    keywords: dev.keywords,
    license: dev.license,
    os: [target.platform],
    cpu: [target.arch],
    ...(target.abi === "gnu" ? { libc: ["glibc"] } : target.abi === "musl" ? { libc: ["musl"] } : {}),
    main: binary,
    files: [binary],
    engines: dev.engines,
    ...links,
    publishConfig: { access: "public" },
  };
}

function publishLinks(root: Record<string, unknown>): Record<string, unknown> {
  const url = repositoryUrl(root);
  return url
    ? {
        repository: { type: "git", url: `git+${url}.git`, directory: "packages/tokenizer-rs" },
        homepage: `${url}/tree/main/packages/tokenizer-rs#readme`,
        bugs: { url: `${url}/issues` },
      }
    : {};
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
  const {
    scripts: _scripts,
    devDependencies: _dev,
    repository: _repo,
    homepage: _home,
    bugs: _bugs,
    napi: _napi,
    ...rest
  } = dev;
  // Written here rather than in the workspace manifest, where bun install would look each one up in the
  // registry; always the same version as this package, since the addon and the JS must match.
  const optional = Object.fromEntries(nativeTargets(dev).map((t) => [`${dev.name}-${t.platformArchAbi}`, dev.version]));
  return {
    ...rest,
    ...publishLinks(root),
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    browser: { "./dist/index.js": "./dist/web-index.js" },
    exports: { ".": ENTRY, "./tokenizer.wasm": "./dist/tokenizer.wasm", "./package.json": "./package.json" },
    files: ["dist/*.js", "dist/*.d.ts", "dist/tokenizer.wasm", "README.md", "LICENSE"],
    ...(Object.keys(optional).length > 0 ? { optionalDependencies: optional } : {}),
    publishConfig: { access: "public" },
  };
}

/**
 * Stages each target's platform package whose addon is built, in `stage`/<platform>; says which are not
 * (the main package then still installs, and uses WASM there).
 */
function stagePlatforms(stage: string, dev: Record<string, unknown>, root: Record<string, unknown>): string[] {
  const dirs: string[] = [];
  for (const target of nativeTargets(dev)) {
    const binary = nativeBinary(dev, target);
    const built = join(pkg, "native", binary);
    const name = `${dev.name}-${target.platformArchAbi}`;
    if (!existsSync(built)) {
      console.error(
        `note: no ${name} tarball: native/${binary} is not built (on ${target.triple}: bash scripts/build-native.sh); the main package falls back to WASM without it`,
      );
      continue;
    }
    const dir = join(stage, target.platformArchAbi);
    mkdirSync(dir);
    copyFileSync(built, join(dir, binary));
    copyFileSync(join(pkg, "LICENSE"), join(dir, "LICENSE"));
    writeFileSync(
      join(dir, "README.md"),
      `# \`${name}\`\n\nThe **${target.triple}** Node-API addon of \`${dev.name}\`.\n`,
    );
    writeFileSync(join(dir, "package.json"), `${JSON.stringify(platformManifest(dev, target, root), null, 2)}\n`);
    dirs.push(dir);
  }
  return dirs;
}

function main(): number {
  const build = spawnSync("bun", ["scripts/build-package.ts"], { cwd: pkg, stdio: "inherit" });
  if (build.status !== 0) return 1;
  const stage = mkdtempSync(join(tmpdir(), "tokenizer-pack-"));
  try {
    const mainDir = join(stage, "main");
    mkdirSync(join(mainDir, "dist"), { recursive: true });
    for (const f of readdirSync(dist)) {
      if (/\.(js|d\.ts)$/.test(f) || f === "tokenizer.wasm") copyFileSync(join(dist, f), join(mainDir, "dist", f));
    }
    for (const f of ["README.md", "LICENSE"]) copyFileSync(join(pkg, f), join(mainDir, f));
    const dev = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as Record<string, unknown>;
    const root = JSON.parse(readFileSync(join(pkg, "../../package.json"), "utf8")) as Record<string, unknown>;
    if (!repositoryUrl(root)) {
      console.error(
        "note: the root package.json has no https `repository`; the packed manifest has no repository/homepage/bugs",
      );
    }
    writeFileSync(join(mainDir, "package.json"), `${JSON.stringify(publishManifest(dev, root), null, 2)}\n`);
    const platforms = stagePlatforms(stage, dev, root);
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
    // The main package first: callers read the first --json entry as it.
    const packed = spawnSync("npm", ["pack", mainDir, ...platforms, ...args], { stdio: "inherit" });
    return packed.status ?? 1;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (import.meta.main) process.exit(main());
