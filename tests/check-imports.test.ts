// The package-boundary check (scripts/check-imports.ts) on small synthetic workspaces: declared entries pass;
// deep imports, wildcard exports and relative imports that leave a package (or reach into one from tests/)
// are reported with file and line. Then the repository itself must pass: no deep import anywhere.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkImports } from "../scripts/check-imports.ts";

let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), "imports-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const manifest = (name: string, exports: Record<string, string>) => JSON.stringify({ name, exports });

describe("check-imports", () => {
  test("declared entries and in-package relative imports pass", () => {
    const r = tree({
      "packages/a/package.json": manifest("@x/a", { ".": "./src/index.ts", "./graph": "./src/graph.ts" }),
      "packages/a/src/index.ts": 'export { g } from "./graph.ts";\n',
      "packages/a/src/graph.ts": "export const g = 1;\n",
      "packages/a/test/a.test.ts": 'import { g } from "../src/graph.ts";\n',
      "packages/b/package.json": manifest("@x/b", { ".": "./src/index.ts" }),
      "packages/b/src/index.ts": 'import { g } from "@x/a";\nimport { g as h } from "@x/a/graph";\nimport "node:fs";\n',
      "tests/t.test.ts": 'import { g } from "@x/a/graph";\nimport { h } from "./helper.ts";\n',
      "tests/helper.ts": "export const h = 2;\n",
    });
    expect(checkImports(r)).toEqual([]);
  });

  test("deep imports, wildcard exports and boundary-crossing relative imports are reported", () => {
    const r = tree({
      "packages/a/package.json": manifest("@x/a", { ".": "./src/index.ts", "./*": "./src/*" }),
      "packages/a/src/index.ts": "export const g = 1;\n",
      "packages/a/test/a.test.ts": '// header\nimport { t } from "../../../tests/helper.ts";\n',
      "packages/b/package.json": manifest("@x/b", { ".": "./src/index.ts" }),
      "packages/b/src/index.ts":
        'export {\n  g,\n} from "@x/a/src/index.ts";\nconst m = await import("../../a/src/index.ts");\n',
      "tests/helper.ts": 'export { g as t } from "../packages/a/src/index.ts";\n',
    });
    const found = checkImports(r).map((v) => `${v.file}:${v.line}`);
    expect(found.sort()).toEqual(
      [
        "packages/a/package.json:1",
        "packages/a/test/a.test.ts:2",
        "packages/b/src/index.ts:3",
        "packages/b/src/index.ts:4",
        "tests/helper.ts:1",
      ].sort(),
    );
  });

  test("the repository itself has no deep import", () => {
    const violations = checkImports(join(import.meta.dir, ".."));
    expect(violations.map((v) => `${v.file}:${v.line}: ${v.message}`)).toEqual([]);
  });
});
