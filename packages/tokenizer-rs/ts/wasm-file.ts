// Reads tokenizer.wasm from disk for wasm-load.ts in Node, Bun and Deno. The browser build replaces this
// module with wasm-file-web.ts (scripts/build-package.ts), so bundlers for the web never meet node:fs.
// node:fs/promises is imported only when the async path runs: importing it costs Bun several ms.
import { readFileSync } from "node:fs";

export const readWasmFileSync: ((url: URL) => Uint8Array) | undefined = (url) => readFileSync(url);

export const readWasmFile: ((url: URL) => Promise<Uint8Array>) | undefined = async (url) =>
  (await import("node:fs/promises")).readFile(url);
