// Package-boundary check (the test suite runs it on the repository): every import of a workspace package goes
// through an entry point its package.json `exports` declares (no wildcard subpaths), no relative import leaves
// its package, and nothing outside packages/ (tests/, bench/, scripts/) reaches into one by path.
// `bun scripts/check-imports.ts [ROOT]` prints `file:line: why` per violation and exits 1 if there is any.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export type Violation = { file: string; line: number; message: string };

const SKIP = new Set(["node_modules", "dist", "target", ".git", ".cache", "runs", "data", ".gpu-kit"]);

/** Workspace packages under `root/packages`: name → declared subpaths ("." and "./x"), plus wildcard misuse. */
function readPackages(root: string): {
  entries: Map<string, Set<string>>;
  dirs: Map<string, string>;
  bad: Violation[];
} {
  const entries = new Map<string, Set<string>>();
  const dirs = new Map<string, string>();
  const bad: Violation[] = [];
  const base = join(root, "packages");
  for (const dir of readdirSync(base)) {
    const manifest = join(base, dir, "package.json");
    let pkg: { name?: string; exports?: Record<string, unknown> | string };
    try {
      pkg = JSON.parse(readFileSync(manifest, "utf8"));
    } catch {
      continue;
    }
    if (!pkg.name) continue;
    dirs.set(join("packages", dir), pkg.name);
    const exp = pkg.exports;
    const keys = exp === undefined ? [] : typeof exp === "string" ? ["."] : Object.keys(exp);
    for (const k of keys)
      if (k.includes("*"))
        bad.push({ file: relative(root, manifest), line: 1, message: `exports "${k}" is a wildcard: name each entry` });
    entries.set(pkg.name, new Set(keys));
  }
  return { entries, dirs, bad };
}

/** The boundary a file belongs to: its package folder, or its top-level folder for everything else. */
function areaOf(relPath: string, dirs: Map<string, string>): string {
  const parts = relPath.split(sep);
  if (parts[0] === "packages" && parts.length > 2) {
    const pkgDir = join(parts[0], parts[1] as string);
    if (dirs.has(pkgDir)) return pkgDir;
  }
  return parts.length > 1 ? (parts[0] as string) : ".";
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith(".d.ts")) yield path;
  }
}

export function checkImports(root: string): Violation[] {
  const { entries, dirs, bad } = readPackages(root);
  const out = [...bad];
  for (const path of sourceFiles(root)) {
    const file = relative(root, path);
    const area = areaOf(file, dirs);
    const text = readFileSync(path, "utf8");
    // TypeScript's own pre-processor finds static, dynamic and re-export specifiers, never text in strings.
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = ref.fileName;
      const at = { file, line: text.slice(0, ref.pos).split("\n").length };
      if (spec.startsWith(".")) {
        const target = relative(root, resolve(dirname(path), spec));
        const to = areaOf(target, dirs);
        // Packages are the boundaries: root folders (tests/, bench/, scripts/) may share files among themselves.
        if (target.startsWith("..") || (to !== area && (dirs.has(to) || dirs.has(area))))
          out.push({ ...at, message: `relative import "${spec}" leaves ${area}/: import the package entry instead` });
        continue;
      }
      const scoped = spec.match(/^(@[^/]+\/[^/]+)(\/.*)?$/);
      const name = scoped?.[1];
      if (!name || !entries.has(name)) continue;
      const sub = scoped?.[2] ? `.${scoped[2]}` : ".";
      const declared = entries.get(name) as Set<string>;
      if (!declared.has(sub))
        out.push({
          ...at,
          message: `"${spec}" is not an entry point of ${name} (declared: ${[...declared].join(", ") || "none"})`,
        });
    }
  }
  return out;
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? join(import.meta.dir, ".."));
  const violations = checkImports(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} import(s) cross a package boundary`);
    process.exit(1);
  }
  console.log("imports: every cross-package import goes through a declared entry point");
}
