// Finds and compiles the WASM core, once per thread. The file sits beside the bundle (dist/tokenizer.wasm)
// and is named with `new URL(…, import.meta.url)`, the form bundlers (Vite, webpack, Parcel) recognise and
// emit as an asset. Node, Bun and Deno read it from disk (wasm-file.ts), synchronously when a sync API is
// the first to need it; browsers fetch it (their build swaps in wasm-file-web.ts, which has no reader),
// compiling while it streams where the server sends application/wasm; or the caller hands it to init().
import { TokenizerError } from "./errors.ts";
import type { ResponseLike, WasmSource } from "./init.ts";
import { readWasmFile, readWasmFileSync } from "./wasm-file.ts";

// In the workspace this module is ts/wasm-load.ts, so the file is ../dist/; scripts/build-package.ts
// rewrites the specifier to "./tokenizer.wasm" in the bundles, which live in dist/ beside it.
const WASM_URL = new URL("../dist/tokenizer.wasm", import.meta.url);

let cached: WebAssembly.Module | undefined;
let pending: Promise<WebAssembly.Module> | undefined;

const where = (url: URL): string => (url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href);

function missing(url: URL, e: unknown): TokenizerError {
  // Only the sources in this repository run as .ts: a published bundle never names a repository script.
  const repo = import.meta.url.endsWith(".ts")
    ? "; in this repository, build it with `bash packages/tokenizer-rs/scripts/build-wasm.sh` or `bun run setup`"
    : "";
  return new TokenizerError(
    `cannot load the tokenizer's WASM core from ${where(url)} (${(e as Error).message}): tokenizer.wasm ships ` +
      "beside the package's JavaScript; reinstall @cs336-ts/tokenizer, or, if a bundler left the file " +
      `behind, serve it and pass its URL, a Response or its bytes to \`await init(source)\`${repo}`,
    "internal",
  );
}

async function fromResponse(res: ResponseLike, label: string): Promise<WebAssembly.Module> {
  if (res.ok === false) {
    throw new TokenizerError(`cannot load the tokenizer's WASM core: ${label} answered HTTP ${res.status}`, "internal");
  }
  const R = (globalThis as { Response?: new (...a: never[]) => object }).Response;
  if (typeof WebAssembly.compileStreaming === "function" && R && res instanceof R) {
    // compileStreaming refuses a body not served as application/wasm; the clone keeps it readable.
    const copy = (res as unknown as Response).clone();
    try {
      return await WebAssembly.compileStreaming(res as unknown as Response);
    } catch {
      return WebAssembly.compile(await copy.arrayBuffer());
    }
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

async function fromUrl(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === "file:" && readWasmFile) {
    let bytes: Uint8Array;
    try {
      bytes = await readWasmFile(url);
    } catch (e) {
      throw missing(url, e);
    }
    return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  }
  let res: ResponseLike;
  try {
    res = await fetch(url);
  } catch (e) {
    throw missing(url, e);
  }
  return fromResponse(res, url.href);
}

async function compileFrom(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer) return WebAssembly.compile(source);
  if (ArrayBuffer.isView(source)) {
    return WebAssembly.compile(new Uint8Array(source.buffer as ArrayBuffer, source.byteOffset, source.byteLength));
  }
  if (typeof source === "string" || source instanceof URL) return fromUrl(new URL(source, WASM_URL));
  if (typeof (source as PromiseLike<unknown>).then === "function") {
    return compileFrom((await (source as PromiseLike<ResponseLike>)) as WasmSource);
  }
  if (typeof (source as ResponseLike).arrayBuffer === "function") {
    const res = source as ResponseLike;
    return fromResponse(res, res.url || "the Response given to init()");
  }
  throw new TypeError(
    "init(source): source must be the WASM bytes (ArrayBuffer or a typed array), a Response or a promise " +
      "of one, a URL or URL string, or a WebAssembly.Module",
  );
}

/** Makes `source` the module every later instance in this thread is made from (init() with a source). */
export async function useModule(source: WasmSource): Promise<void> {
  cached = await compileFrom(source);
}

/** The module, loading it the default way (file or fetch) if init() has not. */
export function compileModule(): Promise<WebAssembly.Module> {
  if (cached) return Promise.resolve(cached);
  pending ??= fromUrl(WASM_URL).then(
    (m) => (cached ??= m),
    (e: unknown) => {
      pending = undefined;
      throw e;
    },
  );
  return pending;
}

/** The module now: already loaded, or read from disk where a runtime can (Node, Bun, Deno). */
export function compileModuleSync(): WebAssembly.Module {
  if (cached) return cached;
  if (!readWasmFileSync) {
    throw new TokenizerError(
      "the tokenizer's WASM core is not loaded yet: in a browser or Web Worker, `await init()` once before " +
        "the first synchronous call (it fetches tokenizer.wasm from beside the package's JavaScript, or takes " +
        "a URL, a Response, the bytes or a WebAssembly.Module)",
      "internal",
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = readWasmFileSync(WASM_URL);
  } catch (e) {
    throw missing(WASM_URL, e);
  }
  cached = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  return cached;
}
