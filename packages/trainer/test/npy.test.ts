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

  test("a header with a bad length, version or dtype is an NpyError saying what is wrong", () => {
    /** A format `major`.0 file: the header dict padded so the data starts at byte 128, then 16 data bytes. */
    const npy = (dict: string, major = 1) => {
      const lenBytes = major === 1 ? 2 : 4;
      const body = `${dict.padEnd(128 - 8 - lenBytes - 1, " ")}\n`;
      const out = new Uint8Array(128 + 16);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
      const view = new DataView(out.buffer);
      if (lenBytes === 2) view.setUint16(8, body.length, true);
      else view.setUint32(8, body.length, true);
      out.set(new TextEncoder().encode(body), 8 + lenBytes);
      return out;
    };
    const dict = (descr: string, shape: string) => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
    expect(parseNpyHeader(npy(dict("<u2", "(8,)"), 2), "v2")).toEqual({ dtype: "uint16", length: 8, offset: 128 });
    for (const shape of ["(-5,)", "(abc,)", "(2.5,)"]) {
      expect(() => parseNpyHeader(npy(dict("<u2", shape)), "f")).toThrow(`f: shape ${shape} does not hold a length`);
    }
    expect(() => parseNpyHeader(npy(dict("<u2", "(8,)"), 9), "f")).toThrow(
      "f: format version 9.0 is not one of 1.0, 2.0, 3.0",
    );
    expect(() => parseNpyHeader(npy(dict("<u2", "(8,)"), 2).subarray(0, 10), "f")).toThrow("f: truncated header");
    expect(() => parseNpyHeader(npy(dict("<i8", "(2,)")), "f")).toThrow(
      "f: unsupported dtype <i8 (convert it with numpy: a.astype(np.uint16) when every id is below 65536, else np.uint32)",
    );
  });

  test("dtype follows the vocabulary size", () => {
    expect(dtypeForVocab(10000)).toBe("uint16");
    expect(dtypeForVocab(65536)).toBe("uint16");
    expect(dtypeForVocab(65537)).toBe("uint32");
    expect(() => dtypeForVocab(2 ** 33)).toThrow(/does not fit/);
  });
});
