// The package as npm users get it, for tests: `bun run tarball` (dist/ built, a staged copy packed with
// the publish manifest) extracted into `<dir>/node_modules/@cs336-ts/tokenizer`, as `npm install` would
// (the package has no dependencies, so nothing else is fetched). Returns the tarball's path.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const PKG = resolve(import.meta.dir, "../..");

export function installTarball(dir: string): string {
  const packed = spawnSync("bun", ["run", "tarball", "--pack-destination", dir, "--json"], {
    cwd: PKG,
    encoding: "utf8",
  });
  if (packed.status !== 0) throw new Error(`bun run tarball failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{ filename: string }>;
  const tarball = join(dir, info?.filename ?? "");
  const target = join(dir, "node_modules/@cs336-ts/tokenizer");
  mkdirSync(target, { recursive: true });
  const tar = spawnSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return tarball;
}
