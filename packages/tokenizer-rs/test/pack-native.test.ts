// napi-rs's per-platform packaging as npm users get it: `bun run tarball` packs, beside the main package,
// @cs336-ts/tokenizer-linux-x64-gnu holding the addon (when native/ has it built), which the main manifest
// lists in optionalDependencies at its own version. `npm install` of both tarballs (offline) gives a
// project where plain Node loads the addon from the platform package; the main tarball alone installs (the
// optional dependency is skipped) and runs on WASM with the same ids.
import { beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TINY_IDS, TINY_TOKENIZER_JS } from "./support/tarball.ts";

const PKG = resolve(import.meta.dir, "..");
const NODE = existsSync("/usr/bin/node") ? "/usr/bin/node" : "node";
const PLATFORM = "linux-x64-gnu";
const ADDON = join(PKG, "native", `tokenizer.${PLATFORM}.node`);
const here = process.platform === "linux" && process.arch === "x64";

// A tiny vocab (bytes plus " t", "he", " the"), its ids and round trip, and which backend ran them.
const SCRIPT = `
import { Tokenizer, tokenizerBackend } from "@cs336-ts/tokenizer";
${TINY_TOKENIZER_JS}
const ids = Array.from(tok.encode(text));
console.log(JSON.stringify({ ...tokenizerBackend(), ids, round: tok.decode(ids) === text }));
`;

type Packed = { name: string; version: string; filename: string; files: Array<{ path: string }> };
let dest = "";
let packed: Packed[] = [];
let stderr = "";

beforeAll(() => {
  dest = mkdtempSync(join(tmpdir(), "tok-pack-native-"));
  const r = spawnSync("bun", ["run", "tarball", "--pack-destination", dest, "--json"], { cwd: PKG, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bun run tarball failed:\n${r.stderr}`);
  stderr = r.stderr;
  packed = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as Packed[];
}, 180_000);

/** npm install of `tarballs` into a fresh project (offline: nothing may be fetched), then SCRIPT in Node. */
function installAndRun(tarballs: string[]): Record<string, unknown> {
  const app = mkdtempSync(join(dest, "app-"));
  writeFileSync(join(app, "package.json"), '{ "name": "app", "private": true, "type": "module" }\n');
  const cache = join(dest, "npm-cache");
  mkdirSync(cache, { recursive: true });
  const args = ["install", ...tarballs, "--offline", "--no-audit", "--no-fund", "--cache", cache];
  const inst = spawnSync("npm", args, { cwd: app, encoding: "utf8" });
  expect(inst.status, inst.stderr).toBe(0);
  writeFileSync(join(app, "main.mjs"), SCRIPT);
  // The backend is the default (auto), whatever the caller's environment says.
  const env = { ...process.env, CS336_TOKENIZER_BACKEND: "" };
  const r = spawnSync(NODE, ["main.mjs"], { cwd: app, encoding: "utf8", env });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return { app, ...JSON.parse(r.stdout) };
}

test("the main manifest lists the platform package as an optional dependency at its own version", () => {
  const [main] = packed;
  expect(main?.name).toBe("@cs336-ts/tokenizer");
  const manifest = JSON.parse(
    spawnSync("tar", ["-xzOf", join(dest, main?.filename ?? ""), "package/package.json"], { encoding: "utf8" }).stdout,
  );
  expect(manifest.optionalDependencies).toEqual({ [`@cs336-ts/tokenizer-${PLATFORM}`]: manifest.version });
  expect(manifest.version).toBe(JSON.parse(readFileSync(join(PKG, "package.json"), "utf8")).version);
  // The addon ships only in its platform package; the main one stays the universal WASM build.
  expect(main?.files.some((f) => f.path.endsWith(".node"))).toBe(false);
  expect(manifest.napi).toBeUndefined();
}, 30_000);

test("the platform tarball: napi-rs's manifest, just the addon", () => {
  const platform = packed.find((p) => p.name === `@cs336-ts/tokenizer-${PLATFORM}`);
  if (!existsSync(ADDON)) {
    // No addon built: no platform tarball, and the packer says why.
    expect(platform).toBeUndefined();
    expect(stderr).toContain(`native/tokenizer.${PLATFORM}.node is not built`);
    console.warn(`skipped: ${ADDON} not built (bash packages/tokenizer-rs/scripts/build-native.sh)`);
    return;
  }
  expect(platform).toBeDefined();
  expect(packed[0]?.name).toBe("@cs336-ts/tokenizer");
  const manifest = JSON.parse(
    spawnSync("tar", ["-xzOf", join(dest, platform?.filename ?? ""), "package/package.json"], { encoding: "utf8" })
      .stdout,
  );
  expect(manifest).toMatchObject({
    name: `@cs336-ts/tokenizer-${PLATFORM}`,
    version: packed[0]?.version,
    os: ["linux"],
    cpu: ["x64"],
    libc: ["glibc"],
    main: `tokenizer.${PLATFORM}.node`,
    files: [`tokenizer.${PLATFORM}.node`],
    license: "MIT",
  });
  expect(manifest.description).toContain("Node-API addon");
  expect(manifest.dependencies).toBeUndefined();
  const paths = (platform?.files ?? []).map((f) => f.path).sort();
  expect(paths).toEqual(["LICENSE", "README.md", "package.json", `tokenizer.${PLATFORM}.node`]);
  // The packed addon is the built one, byte for byte.
  const size = readFileSync(ADDON).length;
  const listed = spawnSync("tar", ["-tzvf", join(dest, platform?.filename ?? "")], { encoding: "utf8" }).stdout;
  expect(listed).toMatch(new RegExp(`\\s${size}\\s.*package/tokenizer\\.${PLATFORM}\\.node`));
}, 30_000);

test("npm install of both tarballs: Node runs the addon from the platform package", () => {
  const platform = packed.find((p) => p.name === `@cs336-ts/tokenizer-${PLATFORM}`);
  if (!here || !platform) {
    console.warn(`skipped: needs linux-x64 and a built addon (${ADDON})`);
    return;
  }
  const got = installAndRun([join(dest, packed[0]?.filename ?? ""), join(dest, platform.filename)]);
  expect(got.detail).toBe(`native addon package @cs336-ts/tokenizer-${PLATFORM}`);
  expect(got.backend).toBe("native");
  expect(got.ids).toEqual(TINY_IDS);
  expect(got.round).toBe(true);
  expect(existsSync(join(got.app as string, `node_modules/@cs336-ts/tokenizer-${PLATFORM}`))).toBe(true);
}, 120_000);

test("npm install of the main tarball alone: the optional addon is skipped, WASM gives the same ids", () => {
  const got = installAndRun([join(dest, packed[0]?.filename ?? "")]);
  expect(got.backend).toBe("wasm");
  expect(got.detail).toContain("no native addon");
  expect(got.loadError).toBeUndefined();
  expect(got.ids).toEqual(TINY_IDS);
  expect(got.round).toBe(true);
  expect(existsSync(join(got.app as string, `node_modules/@cs336-ts/tokenizer-${PLATFORM}`))).toBe(false);
}, 120_000);
