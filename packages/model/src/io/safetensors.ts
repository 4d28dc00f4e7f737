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
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    throw fail("header is not valid JSON");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw fail("header is not a JSON object of tensors");
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = checkMetadata(entry, fail);
      continue;
    }
    const { dtype, shape, begin, end } = checkEntry(name, entry, fail);
    const Ctor = CTORS[dtype];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * Ctor.BYTES_PER_ELEMENT || end > dataLen) {
      throw fail(`tensor "${name}" (${dtype} [${shape}]) has bad data offsets [${begin}, ${end}]`);
    }
    // A fresh buffer: aligned for the typed array, and not a view (Node's Buffer#slice shares memory).
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { dtype, shape: [...shape], data: new Ctor(copy.buffer) });
  }
  return { tensors, metadata };
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * One header entry, checked as the file is untrusted: a dtype we read (an own key of CTORS, so "__proto__" or
 * "toString" is not one), a shape of whole non-negative numbers, and offsets [begin, end] of whole numbers with
 * begin <= end, relative to the data section (a negative begin would read the header as tensor bytes).
 */
function checkEntry(
  name: string,
  entry: unknown,
  fail: (why: string) => SafetensorsError,
): { dtype: SafeDtype; shape: number[]; begin: number; end: number } {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw fail(`tensor "${name}" is ${JSON.stringify(entry)}, not an object with dtype, shape and data_offsets`);
  }
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof e.dtype !== "string" || !Object.hasOwn(CTORS, e.dtype)) {
    throw fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(e.dtype)}`);
  }
  if (!Array.isArray(e.shape) || !e.shape.every(isCount)) {
    throw fail(`tensor "${name}" has shape ${JSON.stringify(e.shape)}, not a list of whole numbers >= 0`);
  }
  const offsets = e.data_offsets;
  const [begin, end] = Array.isArray(offsets) && offsets.length === 2 ? offsets : [];
  if (!isCount(begin) || !isCount(end) || begin > end) {
    throw fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with 0 <= begin <= end`);
  }
  return { dtype: e.dtype as SafeDtype, shape: e.shape as number[], begin, end };
}

/** "__metadata__" is a map from string to string (the format's rule); anything else is a corrupt header. */
function checkMetadata(entry: unknown, fail: (why: string) => SafetensorsError): Record<string, string> {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw fail(`"__metadata__" is ${JSON.stringify(entry)}, not a map of strings`);
  }
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== "string") throw fail(`"__metadata__" entry "${k}" is ${JSON.stringify(v)}, not a string`);
  }
  return entry as Record<string, string>;
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
    // The header's dtype must describe the bytes written, or the file cannot be read back (F64 over a
    // Float32Array would store half the bytes its offsets promise).
    const Ctor = Object.hasOwn(CTORS, t.dtype) ? CTORS[t.dtype] : undefined;
    if (!Ctor || !(t.data instanceof Ctor)) {
      throw new SafetensorsError(
        `tensor "${name}": dtype ${t.dtype} needs a ${Ctor?.name ?? "known dtype's array"}, got a ${t.data.constructor.name}`,
      );
    }
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + raw.length] };
    parts.push(raw);
    offset += raw.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data starts 8-byte aligned; counted in UTF-8 bytes, as a non-ASCII name or metadata
  // value makes the byte length differ from the string's.
  const headerBytes = new Uint8Array(json.length + ((8 - ((8 + json.length) % 8)) % 8)).fill(0x20);
  headerBytes.set(json);
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
