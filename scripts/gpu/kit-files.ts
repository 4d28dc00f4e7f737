// Which installed files the CLI needs at run time, for the GPU kit: the npm packages reached from the workspace
// packages' `dependencies` (never devDependencies; @types/* hold no code), followed transitively the way Node
// resolves them, copied into one flat node_modules. Left out: nested node_modules, declarations, source maps,
// onnxruntime-node's install script and every native binary except the linux-x64 binding — and the binding's
// libonnxruntime.so.1, which the kit replaces with onnxruntime-gpu's (scripts/gpu/install-ort-gpu.sh).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";

type Manifest = { name: string; version: string; dependencies?: Record<string, string> };
export type RuntimePackage = { name: string; version: string; dir: string };

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Node's lookup: `name` in node_modules of `from` or of any folder above it, as a real path. */
function resolvePackage(name: string, from: string): string {
  for (let d = from; ; d = dirname(d)) {
    const candidate = join(d, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(d) === d) throw new Error(`cannot resolve ${name} from ${from}: run \`bun install\``);
  }
}

/** The workspace packages (packages/*) by npm name, each with its folder. */
export function workspacePackages(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of readdirSync(join(root, "packages"))) {
    const dir = join(root, "packages", d);
    if (existsSync(join(dir, "package.json"))) out.set(readManifest(dir).name, dir);
  }
  return out;
}

/** Every npm package the workspace needs at run time, one version per name (a second version is an error). */
export function runtimePackages(root: string): RuntimePackage[] {
  const workspace = workspacePackages(root);
  const found = new Map<string, RuntimePackage>();
  const queue: string[] = [...workspace.values()];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const name of Object.keys(readManifest(from).dependencies ?? {})) {
      if (workspace.has(name) || name.startsWith("@types/")) continue;
      const dir = resolvePackage(name, from);
      const { version } = readManifest(dir);
      const seen = found.get(name);
      if (seen && seen.version !== version) {
        throw new Error(`${name} is installed as ${seen.version} and ${version}: a flat node_modules holds one`);
      }
      if (seen) continue;
      found.set(name, { name, version, dir });
      queue.push(dir);
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const BINDING = join("bin", "napi-v6", "linux", "x64");

/** Whether a file or folder of an npm package belongs in the kit (`rel`: its path inside the package). */
export function keepInKit(pkg: string, rel: string): boolean {
  const parts = rel.split(sep);
  if (parts.includes("node_modules")) return false;
  if (/\.(d\.ts|map|md)$/.test(rel)) return false;
  if (pkg !== "onnxruntime-node") return true;
  if (parts[0] === "script") return false;
  if (parts[0] !== "bin") return true;
  // Folders on the way to the linux-x64 binding, and the binding itself; not its libonnxruntime.so.1.
  return BINDING === rel || BINDING.startsWith(rel + sep) || rel === join(BINDING, "onnxruntime_binding.node");
}

/**
 * Copies the runtime packages into `dest`/node_modules, flat, and links each workspace package there as
 * `../../packages/<folder>` so the tree resolves once unpacked at a repository root. Returns the packages.
 */
export function stageNodeModules(root: string, dest: string): RuntimePackage[] {
  const nm = join(dest, "node_modules");
  const packages = runtimePackages(root);
  for (const p of packages) {
    cpSync(p.dir, join(nm, p.name), {
      recursive: true,
      dereference: true,
      filter: (src) => keepInKit(p.name, relative(p.dir, src)),
    });
  }
  for (const [name, dir] of workspacePackages(root)) {
    mkdirSync(dirname(join(nm, name)), { recursive: true });
    symlinkSync(join("..", "..", "packages", basename(dir)), join(nm, name));
  }
  return packages;
}
