// NumPy `.npy` (format 1.0) for 1-D token arrays: a streaming, atomic writer (io/atomic-file.ts: temp file,
// header patched with the final length, every byte checked, fsync, rename) and a reader that maps the file
// read-only (map-file.ts), so a corpus is never held in memory whole and may sit on a read-only mount.
// Only little-endian uint16/uint32/int32, C order, 1-D — what `encode` writes and `train` reads.
import { openAtomicFile } from "../io/atomic-file.ts";
import { mapFile } from "./map-file.ts";

export type NpyDtype = "uint16" | "uint32" | "int32";
export type TokenArray = Uint16Array | Uint32Array | Int32Array;

const DESCR: Record<NpyDtype, string> = { uint16: "<u2", uint32: "<u4", int32: "<i4" };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const HEADER_BYTES = 128; // fixed, so the streaming writer can patch the length in place

export class NpyError extends Error {
  override name = "NpyError";
}

/** Smallest dtype that holds every id of a vocabulary of this size. */
export function dtypeForVocab(vocabSize: number): NpyDtype {
  if (vocabSize <= 65536) return "uint16";
  if (vocabSize <= 2 ** 32) return "uint32";
  throw new NpyError(`vocab size ${vocabSize} does not fit uint32 token ids`);
}

function header(dtype: NpyDtype, length: number): Uint8Array {
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${length},), }`;
  const body = `${dict.padEnd(HEADER_BYTES - 10 - 1, " ")}\n`;
  const out = new Uint8Array(HEADER_BYTES);
  out.set(MAGIC, 0);
  out[6] = 1; // format 1.0
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, body.length, true);
  out.set(new TextEncoder().encode(body), 10);
  return out;
}

export type NpyWriter = {
  readonly path: string;
  readonly dtype: NpyDtype;
  /** Appends ids; throws if an id does not fit the dtype. */
  write(ids: ArrayLike<number>): void;
  /** Patches the header, fsyncs and renames into place; returns the number of ids written. */
  close(): number;
  /** Removes the temporary file; the destination is left untouched. */
  abort(): void;
};

/** Streams ids into a temporary file beside `path`; nothing appears at `path` until `close()`. */
export function createNpyWriter(path: string, dtype: NpyDtype): NpyWriter {
  const file = openAtomicFile(path);
  file.write(header(dtype, 0));
  const max = dtype === "uint16" ? 0xffff : dtype === "uint32" ? 0xffffffff : 0x7fffffff;
  let count = 0;
  let open = true;
  return {
    path,
    dtype,
    write(ids) {
      const buf =
        dtype === "uint16"
          ? new Uint16Array(ids.length)
          : dtype === "uint32"
            ? new Uint32Array(ids.length)
            : new Int32Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        if (!(id >= 0 && id <= max)) throw new NpyError(`token id ${id} does not fit ${dtype}`);
        buf[i] = id;
      }
      file.write(new Uint8Array(buf.buffer));
      count += ids.length;
    },
    close() {
      if (!open) return count;
      file.writeAt(header(dtype, count), 0);
      file.commit();
      open = false;
      return count;
    },
    abort() {
      open = false;
      file.abort();
    },
  };
}

/** Writes a whole array at once (atomically). */
export function writeNpy(path: string, data: TokenArray): void {
  const dtype: NpyDtype = data instanceof Uint16Array ? "uint16" : data instanceof Uint32Array ? "uint32" : "int32";
  const w = createNpyWriter(path, dtype);
  try {
    w.write(data);
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/** Parses the header of an .npy buffer: dtype, length and where the data starts. */
export function parseNpyHeader(bytes: Uint8Array, source: string): { dtype: NpyDtype; length: number; offset: number } {
  const bad = (why: string) =>
    new NpyError(`${source}: ${why}; expected a 1-D uint16/uint32/int32 .npy written by \`encode\``);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad("not an .npy file (bad magic)");
  const major = bytes[6]!;
  // 2.0 and 3.0 differ from 1.0 only in a 4-byte header length (3.0: a UTF-8 header, ASCII in practice).
  if (major < 1 || major > 3) throw bad(`format version ${major}.${bytes[7]} is not one of 1.0, 2.0, 3.0`);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw bad("truncated header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const offset = 8 + lenBytes + hlen;
  if (offset > bytes.length) throw bad("truncated header");
  const text = new TextDecoder().decode(bytes.subarray(8 + lenBytes, offset));
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((d) => DESCR[d] === descr);
  if (!dtype) {
    const hint = /^[<>|=]?[iu]\d$/.test(descr ?? "")
      ? " (convert it with numpy: a.astype(np.uint16) when every id is below 65536, else np.uint32)"
      : "";
    throw bad(`unsupported dtype ${descr}${hint}`);
  }
  if (fortran !== "False") throw bad("Fortran order is not supported");
  const dims = (shape ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (dims.length !== 1) throw bad(`shape (${shape}) is not 1-D`);
  if (!/^\d+$/.test(dims[0]!)) throw bad(`shape (${shape}) does not hold a length`);
  const length = Number(dims[0]);
  const itemsize = dtype === "uint16" ? 2 : 4;
  if (bytes.length < offset + length * itemsize) {
    throw bad(
      `file holds ${bytes.length - offset} data bytes but the header promises ${length * itemsize} (truncated?)`,
    );
  }
  return { dtype, length, offset };
}

/** Memory-maps a 1-D token array read-only: pages are read on demand, the file is never copied whole. */
export function openNpy(path: string): { dtype: NpyDtype; data: TokenArray } {
  let bytes: Uint8Array;
  try {
    bytes = mapFile(path);
  } catch (e) {
    throw new NpyError(
      `cannot open ${path}: ${(e as Error).message}; check the path (make one with \`bun run cli encode\`)`,
    );
  }
  const { dtype, length, offset } = parseNpyHeader(bytes, path);
  const at = bytes.byteOffset + offset;
  if (length === 0)
    return {
      dtype,
      data: dtype === "uint16" ? new Uint16Array(0) : dtype === "uint32" ? new Uint32Array(0) : new Int32Array(0),
    };
  // mmap'd memory is page-aligned and every header we write is a multiple of 64 bytes, so views are aligned.
  const itemsize = dtype === "uint16" ? 2 : 4;
  if (at % itemsize !== 0) throw new NpyError(`${path}: data offset ${offset} is not aligned for ${dtype}`);
  const data =
    dtype === "uint16"
      ? new Uint16Array(bytes.buffer, at, length)
      : dtype === "uint32"
        ? new Uint32Array(bytes.buffer, at, length)
        : new Int32Array(bytes.buffer, at, length);
  return { dtype, data };
}
