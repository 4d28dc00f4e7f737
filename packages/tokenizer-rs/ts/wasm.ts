// Wraps the raw exports of src/wasm/*.rs: allocation, the status/last-error convention, the result
// buffer and string lists. The module itself comes from wasm-load.ts (a file in Node/Bun/Deno, a fetch
// in browsers, or what the caller passed to init()); each tokenizer or Worker may own a cheap instance
// of its own. Holds no tokenizer logic.
import { CORE_CODES, coreError, TokenizerError } from "./errors.ts";
import { compileModule, compileModuleSync } from "./wasm-load.ts";

export type { TokenizerErrorCode } from "./errors.ts";
export { CORE_CODES, RankFileError, TokenizerError } from "./errors.ts";

/** Exports every part of the crate relies on (src/wasm/mod.rs). */
type CoreExports = {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  dealloc(ptr: number, len: number): void;
  last_error_ptr(): number;
  last_error_len(): number;
  last_error_code(): number;
  error_code_name(code: number): number;
  result_ptr(): number;
  result_len(): number;
  unicode_class_mask(cp: number): number;
  pretokenize_ends(ptr: number, len: number): number;
  pretokenize_ends_with(ptr: number, len: number, pattern: number): number;
  unicode_gpt4_class(cp: number): number;
};

/** What one wasm32 instance can address: its pointers are 32 bits, so no call may need more than this. */
export const WASM_MEMORY_LIMIT = 4 * 2 ** 30;

/** A pointer or length returned by the core: wasm32's i32 results are unsigned (≥ 2 GiB reads negative). */
export const u32 = (x: number): number => x >>> 0;

/**
 * Refuses, before any of it is done, work that needs `bytes` of WASM memory when that is more than an
 * instance can address; `what` names the work and `fix` says what to do instead.
 */
export function wasmMemoryNeeded(bytes: number, what: string, fix: string): void {
  if (bytes <= WASM_MEMORY_LIMIT) return;
  throw new TokenizerError(
    `${what} needs about ${(bytes / 2 ** 30).toFixed(1)} GiB of WASM memory, more than the 4 GiB a ` +
      `WebAssembly instance can address; ${fix}`,
    "memory",
  );
}

/**
 * A trap inside the core (Rust aborts when an allocation fails: memory cannot grow past 4 GiB) as a
 * TokenizerError that says so; other errors pass through. The instance is unusable afterwards.
 */
export function explainTrap(e: unknown, what: string, fix: string): unknown {
  if (!(e instanceof WebAssembly.RuntimeError)) return e;
  return new TokenizerError(
    `${what} stopped inside the WASM core (${e.message}), most likely out of memory: an instance can ` +
      `address at most 4 GiB; ${fix}`,
    "memory",
  );
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** One instance of the WASM core with typed helpers. Not shareable across threads; cheap to create. */
export class WasmInstance {
  readonly raw: Record<string, unknown>;
  readonly core: CoreExports;

  private constructor(exports: WebAssembly.Instance["exports"]) {
    this.raw = exports;
    this.core = exports as unknown as CoreExports;
  }

  /** Over exports already in hand (tests give fakes, e.g. pointers above 2 GiB without 2 GiB of memory). */
  static fromExports(exports: object): WasmInstance {
    return new WasmInstance(exports as WebAssembly.Instance["exports"]);
  }

  static createSync(): WasmInstance {
    return new WasmInstance(new WebAssembly.Instance(compileModuleSync(), {}).exports);
  }

  static async create(): Promise<WasmInstance> {
    return new WasmInstance((await WebAssembly.instantiate(await compileModule(), {})).exports);
  }

  /** The exports typed as `T` (each area of the crate declares the exports it adds). */
  exportsAs<T>(): T & CoreExports {
    return this.raw as unknown as T & CoreExports;
  }

  /** A view of WASM memory; invalid after any call that may grow memory, so copy or use at once. */
  view(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.core.memory.buffer, u32(ptr), u32(len));
  }

  /** `alloc(len)` as an unsigned pointer; a null pointer (the allocator refused) is an error. */
  alloc(len: number): number {
    const ptr = u32(this.core.alloc(len));
    if (ptr === 0) {
      throw new TokenizerError(
        `WASM could not allocate ${len} bytes: an instance can address at most 4 GiB; pass smaller pieces`,
        "memory",
      );
    }
    return ptr;
  }

  /** The core's last error, with its message and code. */
  error(): TokenizerError {
    const message = utf8Decoder.decode(this.view(this.core.last_error_ptr(), this.core.last_error_len()));
    return coreError(CORE_CODES[this.core.last_error_code() - 1] ?? "internal", message);
  }

  /** Returns `status`, or throws the core's last error when it is negative (the failure convention). */
  check(status: number): number {
    if (status < 0) throw this.error();
    return status;
  }

  /** A copy of the result buffer of the last call. */
  takeResult(): Uint8Array {
    return this.view(this.core.result_ptr(), this.core.result_len()).slice();
  }

  /** Copies `data` into WASM memory for the duration of `fn(ptr, len)`, then frees it. */
  withBytes<T>(data: Uint8Array, fn: (ptr: number, len: number) => T): T {
    const len = data.length;
    const ptr = this.alloc(len);
    try {
      this.view(ptr, len).set(data);
      return fn(ptr, len);
    } finally {
      this.core.dealloc(ptr, len);
    }
  }

  withString<T>(s: string, fn: (ptr: number, len: number) => T): T {
    return this.withBytes(utf8.encode(s), fn);
  }

  /** Calls `fn` with each part copied into WASM memory, passed as (ptr, length) pairs; frees them after. */
  callWith(parts: readonly Uint8Array[], fn: (...ptrLens: number[]) => number): number {
    return this.withAll(parts, (ptrs) => fn(...ptrs.flatMap((p, i) => [p, (parts[i] as Uint8Array).length])));
  }

  /** Copies several byte arrays into WASM memory for the duration of `fn(ptrs)`, then frees them. */
  withAll<T>(parts: readonly Uint8Array[], fn: (ptrs: number[]) => T): T {
    const ptrs: number[] = [];
    try {
      for (const p of parts) {
        const ptr = this.alloc(p.length);
        ptrs.push(ptr);
        this.view(ptr, p.length).set(p);
      }
      return fn(ptrs);
    } finally {
      ptrs.forEach((ptr, i) => {
        this.core.dealloc(ptr, (parts[i] as Uint8Array).length);
      });
    }
  }
}

let shared: WasmInstance | undefined;

/** This thread's shared instance (encoders, safe cuts, parsing), created on first use; lives as long as the thread. */
export function threadInstance(): WasmInstance {
  shared ??= WasmInstance.createSync();
  return shared;
}

/** The parts end to end in one new array (results that came out of WASM in several calls). */
export function concat(parts: readonly Uint8Array[]): Uint8Array;
export function concat(parts: readonly Uint32Array[]): Uint32Array;
export function concat(parts: readonly (Uint8Array | Uint32Array)[]): Uint8Array | Uint32Array {
  const n = parts.reduce((n, p) => n + p.length, 0);
  const out = parts[0] instanceof Uint32Array ? new Uint32Array(n) : new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A list of byte strings in the core's `u32 LE length + bytes` layout. */
export function byteList(items: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const it of items) n += 4 + it.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let off = 0;
  for (const it of items) {
    dv.setUint32(off, it.length, true);
    out.set(it, off + 4);
    off += 4 + it.length;
  }
  return out;
}

/** Numbers as the core's id list: one u32 LE each. */
export function idList(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * ids.length);
  const dv = new DataView(out.buffer);
  ids.forEach((id, i) => {
    dv.setUint32(4 * i, id, true);
  });
  return out;
}

/** Encodes strings as the core's string list: `u32 LE byte length + UTF-8 bytes`, repeated. */
export function encodeStringList(list: readonly string[]): Uint8Array {
  return byteList(list.map((s) => utf8.encode(s)));
}

/** The strings of a core string list (`u32 LE length + UTF-8 bytes`, repeated). */
export function readStringList(b: Uint8Array): string[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: string[] = [];
  for (let off = 0; off < b.length; ) {
    const n = dv.getUint32(off, true);
    out.push(utf8Decoder.decode(b.subarray(off + 4, off + 4 + n)));
    off += 4 + n;
  }
  return out;
}
