// A shared library's dynamic section read straight from its ELF headers: the libraries it needs (DT_NEEDED) and
// where it asks the loader to look (DT_RUNPATH/DT_RPATH), so doctor can name what the installed CUDA provider
// needs — CUDA 12 names for NuGet's build, CUDA 13 for PyPI's 1.30 — without binutils. Only the headers and
// the two small sections are read, never the whole file (the provider is 272 MB).
// Leaves out: 32-bit and big-endian ELF (onnxruntime-node ships neither for Linux).
import { closeSync, openSync, readSync } from "node:fs";

export type ElfDynamic = { needed: string[]; runpath: string[] };

const SHT_DYNAMIC = 6;
const DT_NEEDED = 1n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

function readAt(fd: number, offset: number, length: number): DataView {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new RangeError(`truncated at byte ${offset + got}`);
    got += n;
  }
  return new DataView(buf.buffer);
}

export function readElfDynamic(path: string): ElfDynamic {
  const fd = openSync(path, "r");
  try {
    const h = readAt(fd, 0, 64);
    if (h.getUint32(0) !== 0x7f454c46 || h.getUint8(4) !== 2 || h.getUint8(5) !== 1) {
      throw new Error(`${path} is not a 64-bit little-endian ELF file`);
    }
    const shoff = Number(h.getBigUint64(0x28, true));
    const shentsize = h.getUint16(0x3a, true);
    const shnum = h.getUint16(0x3c, true);
    const sections = readAt(fd, shoff, shentsize * shnum);
    const section = (i: number) => ({
      type: sections.getUint32(i * shentsize + 4, true),
      offset: Number(sections.getBigUint64(i * shentsize + 0x18, true)),
      size: Number(sections.getBigUint64(i * shentsize + 0x20, true)),
      link: sections.getUint32(i * shentsize + 0x28, true),
    });
    const out: ElfDynamic = { needed: [], runpath: [] };
    for (let i = 0; i < shnum; i++) {
      const dyn = section(i);
      if (dyn.type !== SHT_DYNAMIC) continue;
      const strs = section(dyn.link);
      const table = new Uint8Array(readAt(fd, strs.offset, strs.size).buffer);
      const str = (at: number) => new TextDecoder().decode(table.subarray(at, table.indexOf(0, at)));
      const entries = readAt(fd, dyn.offset, dyn.size);
      for (let at = 0; at + 16 <= dyn.size; at += 16) {
        const tag = entries.getBigInt64(at, true);
        if (tag === 0n) break;
        const value = Number(entries.getBigUint64(at + 8, true));
        if (tag === DT_NEEDED) out.needed.push(str(value));
        else if (tag === DT_RUNPATH || tag === DT_RPATH) out.runpath.push(...str(value).split(":"));
      }
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
