// doctor's view of a provider library: the ELF reader (DT_NEEDED, RUNPATH, checked against onnxruntime-node's
// own binding, whose needs are known) and the found/missing split, with $ORIGIN resolved to the library's folder.
import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readElfDynamic } from "../src/app/doctor/elf.ts";
import { providerLibraries } from "../src/app/doctor/onnxruntime.ts";

const ortDir = dirname(createRequire(import.meta.resolve("@cs336-ts/model")).resolve("onnxruntime-node/package.json"));
const binding = realpathSync(join(ortDir, "bin/napi-v6", process.platform, process.arch, "onnxruntime_binding.node"));
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform !== "linux")("provider libraries", () => {
  test("the binding needs libonnxruntime.so.1 and the C++ runtime, and looks in its own folder", () => {
    const elf = readElfDynamic(binding);
    expect(elf.needed).toContain("libonnxruntime.so.1");
    expect(elf.needed).toContain("libc.so.6");
    expect(elf.runpath.map((d) => d.replace(/\/$/, ""))).toEqual(["$ORIGIN"]);
  });

  test("a needed library beside it (RUNPATH $ORIGIN) is found; the same file alone in a folder misses it", () => {
    expect(providerLibraries(binding)).toEqual({ found: ["libonnxruntime.so.1"], missing: [], cudaMajor: null });
    dir = mkdtempSync(join(tmpdir(), "doctor-elf-"));
    copyFileSync(binding, join(dir, "alone.node"));
    expect(providerLibraries(join(dir, "alone.node")).missing).toEqual(["libonnxruntime.so.1"]);
  });

  test("a file that is not a 64-bit ELF is refused by name", () => {
    dir = mkdtempSync(join(tmpdir(), "doctor-elf-"));
    writeFileSync(join(dir, "fake.so"), "not an ELF file, just text long enough to fill a header ....................");
    expect(() => readElfDynamic(join(dir, "fake.so"))).toThrow(/fake\.so is not a 64-bit little-endian ELF file/);
  });
});
