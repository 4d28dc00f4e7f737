// Size of each package as a newcomer meets it: source files, lines in src/, public symbols (what the declared
// entry points export; with a wildcard export every exported symbol of every file is public) and the longest
// function. `bun scripts/code-stats.ts [ROOT]` prints a Markdown table (used for the architecture issue's note).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(process.argv[2] ?? join(import.meta.dir, ".."));

function* files(dir: string, ext: RegExp): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path, ext);
    else if (ext.test(name) && !name.endsWith(".d.ts")) yield path;
  }
}

const lineCount = (path: string) => readFileSync(path, "utf8").split("\n").length - 1;

type Longest = { name: string; lines: number };

function longestTs(paths: string[]): Longest {
  let best: Longest = { name: "-", lines: 0 };
  for (const path of paths) {
    const sf = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && "body" in node && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const n = end - start + 1;
        const id = (node as ts.FunctionLikeDeclaration).name?.getText(sf) ?? "(anonymous)";
        if (n > best.lines) best = { name: `${relative(root, path)}:${id}`, lines: n };
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return best;
}

function longestRs(paths: string[]): Longest {
  let best: Longest = { name: "-", lines: 0 };
  for (const path of paths) {
    const lines = readFileSync(path, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = (lines[i] as string).match(/^\s*(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?(?:extern\s+"C"\s+)?fn\s+(\w+)/);
      // Unit tests live beside the code in Rust; they are not the code a newcomer reads first.
      if (!m || /#\[test\]/.test(lines[i - 1] ?? "")) continue;
      let depth = 0;
      let opened = false;
      let j = i;
      for (; j < lines.length; j++) {
        for (const c of lines[j] as string) {
          if (c === "{") {
            depth++;
            opened = true;
          } else if (c === "}") depth--;
        }
        if (opened && depth === 0) break;
        if (!opened && (lines[j] as string).trimEnd().endsWith(";")) break;
      }
      if (opened && j - i + 1 > best.lines) best = { name: `${relative(root, path)}:${m[1]}`, lines: j - i + 1 };
    }
  }
  return best;
}

/** Names a module exports, following `export *` and `export {…} from` to their files. */
function exportedNames(path: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(path) || !existsSync(path)) return out;
  seen.add(path);
  const sf = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  for (const st of sf.statements) {
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    const exported = mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isExportDeclaration(st)) {
      const from = st.moduleSpecifier && (st.moduleSpecifier as ts.StringLiteral).text;
      if (!st.exportClause && from?.startsWith("."))
        for (const n of exportedNames(resolve(dirname(path), from), seen)) out.add(n);
      else if (st.exportClause && ts.isNamedExports(st.exportClause))
        for (const el of st.exportClause.elements) out.add(el.name.text);
    } else if (exported) {
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) out.add(d.name.getText(sf));
      else if ("name" in st && st.name) out.add((st.name as ts.Identifier).text);
    }
  }
  return out;
}

function rustPublic(paths: string[]): number {
  // The crate's surface: `pub` items at the top of lib.rs plus its `pub use` names.
  const lib = paths.find((p) => p.endsWith("src/lib.rs"));
  if (!lib) return 0;
  const text = readFileSync(lib, "utf8");
  const uses = [...text.matchAll(/^pub use [^;]+;/gm)].map((m) => m[0]);
  let n = 0;
  for (const u of uses)
    n +=
      (u
        .match(/\{([^}]*)\}/)?.[1]
        ?.split(",")
        .filter((s) => s.trim()).length ??
        1) ||
      1;
  n += [...text.matchAll(/^pub (?:fn|struct|enum|const|type|trait|mod) /gm)].length;
  return n;
}

const rows: string[] = [];
for (const dir of readdirSync(join(root, "packages")).sort()) {
  const pkgDir = join(root, "packages", dir);
  const manifestPath = join(pkgDir, "package.json");
  if (!existsSync(manifestPath)) continue;
  const pkg = JSON.parse(readFileSync(manifestPath, "utf8"));
  const srcDirs = ["src", "ts"].map((d) => join(pkgDir, d));
  const tsFiles = srcDirs.flatMap((d) => [...files(d, /\.ts$/)]);
  const rsFiles = [...files(join(pkgDir, "src"), /\.rs$/)];
  const lines = [...tsFiles, ...rsFiles].reduce((a, p) => a + lineCount(p), 0);
  const exp: Record<string, string> = typeof pkg.exports === "string" ? { ".": pkg.exports } : (pkg.exports ?? {});
  const names = new Set<string>();
  const wildcard = Object.keys(exp).some((k) => k.includes("*"));
  const entries = wildcard ? tsFiles : Object.values(exp).filter((p) => p.endsWith(".ts"));
  for (const e of entries) {
    const tag = wildcard ? `${relative(pkgDir, e)}#` : "";
    for (const n of exportedNames(resolve(pkgDir, e))) names.add(tag + n);
  }
  const longest = [longestTs(tsFiles), longestRs(rsFiles)].sort((a, b) => b.lines - a.lines)[0] as Longest;
  const rust = rsFiles.length ? ` + ${rsFiles.length} .rs` : "";
  const rustPub = rsFiles.length ? ` (Rust pub: ${rustPublic(rsFiles)})` : "";
  rows.push(
    `| ${pkg.name} | ${tsFiles.length} .ts${rust} | ${lines} | ${Object.keys(exp).join(" ")} | ${names.size}${rustPub} | ${longest.name} (${longest.lines}) |`,
  );
}
console.log("| package | files in src | lines in src | entry points | exported symbols | longest function (lines) |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
