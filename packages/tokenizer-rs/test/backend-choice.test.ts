// CS336_TOKENIZER_BACKEND, read once per process: each case runs in a fresh Bun process. wasm reports wasm;
// native with the addon reports native and encodes with it; a bogus value fails naming the variable and
// its values; native without an addon (the loader pointed at an empty folder) fails with the build command;
// auto falls back to WASM, saying why, when the addon is absent, is not a loadable library, or was built from
// other Rust sources than the WASM module.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeMissing } from "./support/native-backend.ts";

const ts = join(import.meta.dir, "..", "ts");
const empty = mkdtempSync(join(tmpdir(), "tok-no-addon-"));
const corrupt = join(empty, "corrupt.node");
writeFileSync(corrupt, "not a shared library");
// The real addon under another source hash (or none): what a native build that failed after a change of the
// Rust sources leaves behind, beside a WASM module built from the new ones.
const addonFile = join(import.meta.dir, "..", "native", `tokenizer.${process.platform}-${process.arch}-gnu.node`);
const relabelled = (name: string, hash: string | null) => {
  const file = join(empty, `${name}.cjs`);
  writeFileSync(
    file,
    `module.exports = { ...require(${JSON.stringify(addonFile)}), coreSourceHash: () => ${JSON.stringify(hash)} };`,
  );
  return file;
};
const otherSources = relabelled("other-sources", "0".repeat(64));
const unlabelled = relabelled("unlabelled", null);
const stamped = existsSync(join(import.meta.dir, "..", "dist", ".source-hash"));

/**
 * Runs a script in a new process under `backend` (undefined: the variable unset); `search`, when given,
 * points the loader at those files and no npm package. Prints the backend, then what a tokenizer made.
 */
function run(backend: string | undefined, search?: string[]) {
  const script = `
    import { setNativeSearch, tokenizerBackend } from ${JSON.stringify(join(ts, "native-load.ts"))};
    import { Tokenizer } from ${JSON.stringify(join(ts, "index.ts"))};
    import { encoderOf } from ${JSON.stringify(join(ts, "tokenizer.ts"))};
    ${search ? `setNativeSearch({ packages: [], files: ${JSON.stringify(search)} });` : ""}
    try {
      const info = tokenizerBackend();
      const bytes = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
      const t = Tokenizer.fromVocab(bytes, []);
      console.log(JSON.stringify({ ...info, encoder: encoderOf(t).backend, ids: [...t.encode("hi")] }));
    } catch (e) {
      console.error(e.name + " [" + e.code + "]: " + e.message);
      process.exit(1);
    }`;
  const env = { ...process.env };
  if (backend === undefined) delete env.CS336_TOKENIZER_BACKEND;
  else env.CS336_TOKENIZER_BACKEND = backend;
  const r = spawnSync("bun", ["-e", script], { env, encoding: "utf8" });
  return { code: r.status, out: r.stdout.trim() ? JSON.parse(r.stdout) : undefined, err: r.stderr };
}

describe("CS336_TOKENIZER_BACKEND", () => {
  test("wasm: WASM, saying it was asked for", () => {
    const r = run("wasm");
    expect(r.code).toBe(0);
    expect(r.out).toMatchObject({ backend: "wasm", encoder: "wasm", ids: [104, 105] });
    expect(r.out.detail).toContain("CS336_TOKENIZER_BACKEND=wasm");
  });

  test.skipIf(nativeMissing !== undefined)("native with the addon built: native, naming the file", () => {
    const r = run("native");
    expect(r.code).toBe(0);
    expect(r.out).toMatchObject({ backend: "native", encoder: "native", ids: [104, 105] });
    expect(r.out.detail).toMatch(/tokenizer\.[\w-]+\.node/);
  });

  test.skipIf(nativeMissing !== undefined)("unset (auto) with the addon built: native", () => {
    expect(run(undefined).out).toMatchObject({ backend: "native", encoder: "native" });
    expect(run("auto").out).toMatchObject({ backend: "native", encoder: "native" });
  });

  test("a bogus value fails, naming the variable and the values it takes", () => {
    const r = run("bogus");
    expect(r.code).toBe(1);
    expect(r.err).toContain('TokenizerError [input]: CS336_TOKENIZER_BACKEND="bogus" is not a tokenizer backend');
    expect(r.err).toMatch(/use auto .*, native or wasm/);
  });

  test("native when no addon can be found fails with the build command", () => {
    const r = run("native", [join(empty, "tokenizer.node")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("CS336_TOKENIZER_BACKEND=native, but no native addon");
    expect(r.err).toContain("bash packages/tokenizer-rs/scripts/build-native.sh");
    expect(r.err).toContain("CS336_TOKENIZER_BACKEND=wasm");
  });

  test("auto without an addon: WASM, saying none was found and how to build one", () => {
    const r = run("auto", [join(empty, "tokenizer.node")]);
    expect(r.code).toBe(0);
    expect(r.out).toMatchObject({ backend: "wasm", encoder: "wasm" });
    expect(r.out.detail).toContain("no native addon");
    expect(r.out.detail).toContain("build-native.sh");
    expect(r.out.loadError).toBeUndefined();
  });

  test.skipIf(nativeMissing !== undefined || !stamped)(
    "an addon built from other Rust sources than the WASM: auto falls back to WASM saying so, native fails",
    () => {
      const auto = run(undefined, [otherSources]);
      expect(auto.code).toBe(0);
      expect(auto.out).toMatchObject({ backend: "wasm", encoder: "wasm", ids: [104, 105] });
      expect(auto.out.detail).toContain(
        "built from other Rust sources than the WebAssembly module (sources 000000000000",
      );
      expect(auto.out.detail).toContain("rebuild it with `bash packages/tokenizer-rs/scripts/build-native.sh`");
      const forced = run("native", [otherSources]);
      expect(forced.code).toBe(1);
      expect(forced.err).toContain(
        `the native addon ${otherSources} failed to load: it was built from other Rust sources`,
      );
      expect(forced.err.split("build-native.sh").length - 1).toBe(1); // the command once
      const none = run(undefined, [unlabelled]);
      expect(none.out).toMatchObject({ backend: "wasm", encoder: "wasm" });
      expect(none.out.detail).toContain("it does not say which Rust sources it was built from");
    },
  );

  test("an addon that does not load: auto falls back to WASM with the reason, native fails with it", () => {
    const auto = run(undefined, [corrupt]);
    expect(auto.code).toBe(0);
    expect(auto.out).toMatchObject({ backend: "wasm", encoder: "wasm" });
    expect(auto.out.detail).toContain(`${corrupt} failed to load`);
    expect(auto.out.loadError).toBeString();
    const forced = run("native", [corrupt]);
    expect(forced.code).toBe(1);
    expect(forced.err).toContain(`the native addon ${corrupt} failed to load`);
    expect(forced.err).toContain("build-native.sh");
  });
});
