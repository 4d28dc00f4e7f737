// wasm-file.ts in the browser build: a page has no disk to read, so wasm-load.ts fetches tokenizer.wasm
// instead, and the synchronous APIs need `await init()` first.
export const readWasmFileSync: ((url: URL) => Uint8Array) | undefined = undefined;

export const readWasmFile: ((url: URL) => Promise<Uint8Array>) | undefined = undefined;
