// The packed package's declarations as a strict TypeScript user compiles them: Node's types only (no DOM,
// no WebAssembly namespace: `"lib": ["ES2022"], "types": ["node"]`), skipLibCheck off so every .d.ts the
// public entry reaches is checked, and Node's own module resolution through the `exports` map. The
// program uses the public API, init() with each kind of source included.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { installTarball } from "./support/tarball.ts";

const ROOT = resolve(import.meta.dir, "../../..");

const MAIN = `
import { init, Tokenizer, TokenizerError, trainBpe, type TokenizerErrorCode, type WasmSource } from "@cs336-ts/tokenizer";
import { readFileSync } from "node:fs";

const sources: WasmSource[] = [new Uint8Array(8), new ArrayBuffer(8), new URL("file:///x.wasm"), "./x.wasm"];
await init();
await init(readFileSync(new URL("./node_modules/@cs336-ts/tokenizer/dist/tokenizer.wasm", import.meta.url)));
const tok: Tokenizer = Tokenizer.fromVocab(Array.from({ length: 256 }, (_, i) => Uint8Array.of(i)), []);
const ids: Uint32Array = tok.encode("hi");
const text: string = tok.decode(ids);
const trained = await trainBpe({ input: new TextEncoder().encode("a b c"), vocabSize: 257 });
const code: TokenizerErrorCode | undefined = new TokenizerError("x", "input").code;
console.log(sources.length, text, trained.merges.length, code);
`;

test("tsc --strict with a Node-only lib compiles against the packed .d.ts", () => {
  const app = mkdtempSync(join(tmpdir(), "tok-types-"));
  installTarball(app);
  writeFileSync(join(app, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(app, "main.ts"), MAIN);
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: "ES2022",
      lib: ["ES2022"],
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules/@types")],
      module: "nodenext",
      moduleResolution: "nodenext",
      skipLibCheck: false,
      noEmit: true,
    },
    files: ["main.ts"],
  };
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify(tsconfig));
  const r = spawnSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: app, encoding: "utf8" });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.status).toBe(0);
}, 120_000);
