// The .npy writer/reader: round trips, the header numpy expects, atomicity and clear errors on bad files.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNpyWriter, dtypeForVocab, openNpy, parseNpyHeader, writeNpy } from "../src/data/npy.ts";

const dir = mkdtempSync(join(tmpdir(), "npy-"));

describe("npy", () => {
  test("streams chunks and reads them back memory-mapped", () => {
    const path = join(dir, "a.npy");
    const w = createNpyWriter(path, "uint16");
    w.write([1, 2, 3]);
    w.write(new Uint32Array([65535, 0]));
    expect(existsSync(path)).toBe(false); // nothing at the destination before close
    expect(w.close()).toBe(5);
    const { dtype, data } = openNpy(path);
    expect(dtype).toBe("uint16");
    expect([...data]).toEqual([1, 2, 3, 65535, 0]);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  test("header is numpy's format 1.0 with a 64-byte-aligned data offset", () => {
    const path = join(dir, "b.npy");
    writeNpy(path, new Uint32Array([70000, 5]));
    const bytes = new Uint8Array(readFileSync(path));
    const text = new TextDecoder().decode(bytes.subarray(10, 128));
    expect(text).toContain("'descr': '<u4'");
    expect(text).toContain("'shape': (2,)");
    expect(text.endsWith("\n")).toBe(true);
    expect(parseNpyHeader(bytes, path).offset % 64).toBe(0);
  });

  test("rejects ids that do not fit and leaves no file behind", () => {
    const path = join(dir, "c.npy");
    const w = createNpyWriter(path, "uint16");
    expect(() => w.write([70000])).toThrow("token id 70000 does not fit uint16");
    w.abort();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith("c.npy"))).toEqual([]);
  });

  test("truncated and foreign files give clear errors", () => {
    const path = join(dir, "d.npy");
    writeNpy(path, new Uint16Array(100));
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    expect(() => openNpy(path)).toThrow(/truncated/);
    writeFileSync(path, "hello");
    expect(() => openNpy(path)).toThrow(/not an .npy file/);
    expect(() => openNpy(join(dir, "missing.npy"))).toThrow(/cannot open/);
  });

  test("dtype follows the vocabulary size", () => {
    expect(dtypeForVocab(10000)).toBe("uint16");
    expect(dtypeForVocab(65536)).toBe("uint16");
    expect(dtypeForVocab(65537)).toBe("uint32");
    expect(() => dtypeForVocab(2 ** 33)).toThrow(/does not fit/);
  });
});
