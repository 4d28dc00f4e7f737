// A file mapped into memory without asking for write access: open(O_RDONLY) and a private mapping, so token
// arrays on a read-only mount, in a read-only container layer or with mode 0444 can be trained on. Bun.mmap
// opens the file read-write (EACCES, EROFS on such files), hence libc's mmap through bun:ffi. Pages are
// copy-on-write: a stray write to the array changes this process's copy, never the file. The mapping is
// unmapped once its ArrayBuffer is garbage-collected. Leaves out: Windows (Bun.mmap is used there).
import { closeSync, fstatSync, openSync } from "node:fs";
import { dlopen, FFIType, toArrayBuffer } from "bun:ffi";

type Libc = {
  mmap(addr: null, length: number, prot: number, flags: number, fd: number, offset: number): number | null;
  munmap(addr: number, length: number): number;
};

// Same values on Linux and macOS.
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_PRIVATE = 2;

let libc: Libc | null | undefined;

/** libc's mmap/munmap, or null where bun:ffi or libc is unavailable. */
function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  const names: Record<string, string[]> = { linux: ["libc.so.6", "libc.so"], darwin: ["libSystem.B.dylib"] };
  for (const name of names[process.platform] ?? []) {
    try {
      const lib = dlopen(name, {
        mmap: {
          args: [FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64],
          returns: FFIType.ptr,
        },
        munmap: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
      });
      libc = lib.symbols as unknown as Libc;
      break;
    } catch {}
  }
  return libc;
}

const unmap = new FinalizationRegistry<{ addr: number; length: number }>(({ addr, length }) => {
  libc?.munmap(addr, length);
});

/**
 * The bytes of `path`, mapped read-only (pages are read on demand). Open errors are Node's (ENOENT, EACCES)
 * with their code; an empty file gives an empty array.
 */
export function mapFile(path: string): Uint8Array {
  const lib = loadLibc();
  if (!lib) return Bun.mmap(path, { shared: false });
  const fd = openSync(path, "r");
  try {
    const length = fstatSync(fd).size;
    if (length === 0) return new Uint8Array(0);
    const addr = lib.mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    // MAP_FAILED is (void*)-1, which arrives as a number far above any user-space address.
    if (addr === null || !(addr > 0 && addr < 2 ** 53)) {
      throw Object.assign(new Error(`mmap failed for ${path} (${length} bytes)`), { code: "EMMAP" });
    }
    const buffer = toArrayBuffer(addr, 0, length);
    unmap.register(buffer, { addr, length });
    return new Uint8Array(buffer);
  } finally {
    closeSync(fd);
  }
}
