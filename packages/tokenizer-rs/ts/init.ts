// init(), the package's one explicit loading step, and the types of what it takes. Kept apart from
// wasm-load.ts so that the public declarations name no WebAssembly type (a consumer compiling with a
// Node-only lib has no WebAssembly namespace); the types describe their values by shape instead.
import { compileModule, useModule } from "./wasm-load.ts";

/** A fetch Response, or anything with its `arrayBuffer()` (typed by shape, so no DOM lib is needed). */
export type ResponseLike = {
  arrayBuffer(): Promise<ArrayBuffer>;
  readonly ok?: boolean;
  readonly status?: number;
  readonly url?: string;
};

/** A compiled `WebAssembly.Module` (typed as an object so the declarations need no WebAssembly lib). */
export type CompiledWasm = object;

/**
 * Where init() may take the WASM core from: its bytes, a Response or a promise of one (`fetch(url)`),
 * a URL to fetch (or, in Node/Bun/Deno, a file: URL to read), or a module compiled already.
 */
export type WasmSource =
  | ArrayBuffer
  | ArrayBufferView
  | ResponseLike
  | PromiseLike<ResponseLike>
  | URL
  | string
  | CompiledWasm;

/**
 * Loads the WASM core before the first call that needs it. Optional in Node, Bun and Deno (the file is
 * read on first use); in browsers and Web Workers, await it once before synchronous calls (encode,
 * decode, Tokenizer.fromVocab, …), since a page cannot read a file synchronously. Without `source` it
 * fetches tokenizer.wasm from beside this module, where bundlers emit it.
 */
export async function init(source?: WasmSource): Promise<void> {
  if (source === undefined) await compileModule();
  else await useModule(source);
}
