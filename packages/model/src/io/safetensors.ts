// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each
// tensor name to { dtype, shape, data_offsets } plus an optional string map "__metadata__", then raw
// little-endian data. Used for reference fixtures, weights and checkpoints. No bf16/f16 conversion here.

export type SafeDtype = "F64" | "F32" | "I64" | "I32" | "U16" | "U8" | "U32" | "BOOL";
export type SafeArray =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Uint16Array
  | Uint8Array
  | Uint32Array;
export type SafeTensor = { dtype: SafeDtype; shape: number[]; data: SafeArray };
export type SafeFile = { tensors: Map<string, SafeTensor>; metadata: Record<string, string> };

const CTORS = {
  F64: Float64Array,
  F32: Float32Array,
  I64: BigInt64Array,
  I32: Int32Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} as const;

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

/** Parses a safetensors buffer; every tensor is copied into its own aligned typed array. */
export function readSafetensors(bytes: Uint8Array, source = "safetensors data"): SafeFile {
  const fail = (why: string) => new SafetensorsError(`${source}: ${why} (the file is corrupt or truncated)`);
  if (bytes.length < 8) throw fail(`only ${bytes.length} bytes, no header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) throw fail(`header length ${headerLen} exceeds the file size ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    throw fail("header is not valid JSON");
  }
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as {
      dtype: SafeDtype;
      shape: number[];
      data_offsets: [number, number];
    };
    const Ctor = CTORS[dtype];
    if (!Ctor) throw fail(`tensor "${name}" has unsupported dtype ${dtype}`);
    const [begin, end] = data_offsets;
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * Ctor.BYTES_PER_ELEMENT || dataStart + end > bytes.length) {
      throw fail(`tensor "${name}" (${dtype} [${shape}]) has bad data offsets [${begin}, ${end}]`);
    }
    // A fresh buffer: aligned for the typed array, and not a view (Node's Buffer#slice shares memory).
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { dtype, shape: [...shape], data: new Ctor(copy.buffer) });
  }
  return { tensors, metadata };
}

/** Serializes tensors (in the given order) and string metadata into one safetensors buffer. */
export function writeSafetensors(
  tensors: Iterable<[string, SafeTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count)
      throw new SafetensorsError(`tensor "${name}": ${t.data.length} values for shape [${t.shape}]`);
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + raw.length] };
    parts.push(raw);
    offset += raw.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8); // pad so the data starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Float32 view of a tensor, converting F64 when needed (reference fixtures are F32). */
export function asFloat32(t: SafeTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data as ArrayLike<number>);
}
