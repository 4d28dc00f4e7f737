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

/**
 * JS statements, pasted into the scripts the installed package runs (Node, Bun, Deno), that build a tiny
 * tokenizer with `Tokenizer` in scope: bytes plus merges for " t", "he", " the" and <|endoftext|>. They
 * define `tok` and `text`; `text`'s ids are TINY_IDS.
 */
export const TINY_TOKENIZER_JS = `const b = (s) => new TextEncoder().encode(s);
const vocab = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
const merges = [[b(" "), b("t")], [b("h"), b("e")], [b(" t"), b("he")]];
for (const [l, r] of merges) vocab.push(new Uint8Array([...l, ...r]));
const tok = Tokenizer.fromVocab(vocab, merges, ["<|endoftext|>"]);
const text = "in the end<|endoftext|> the café";`;

export const TINY_IDS = [105, 110, 258, 32, 101, 110, 100, 259, 258, 32, 99, 97, 102, 195, 169];
