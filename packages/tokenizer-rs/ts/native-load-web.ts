// native-load.ts in the browser build (scripts/build-package.ts swaps it in): a page cannot load a
// Node-API addon, so WebAssembly is the only backend and nothing here touches node:*.
import { TokenizerError } from "./errors.ts";
import type { Backend, BackendInfo, NativeAddon, NativeSearch } from "./native-load.ts";

export type { Backend, BackendInfo, NativeAddon, NativeCounter, NativeEncoder, NativeSearch } from "./native-load.ts";

export const ENV_VAR = "CS336_TOKENIZER_BACKEND";
export const BUILD_COMMAND = "bash packages/tokenizer-rs/scripts/build-native.sh";

export function platformName(): string {
  return "browser";
}

export function setNativeSearch(_s: NativeSearch | undefined): void {}

export function tokenizerBackend(): BackendInfo {
  return { backend: "wasm", detail: "WebAssembly: the browser build has no native addon" };
}

export function defaultBackend(): Backend {
  return "wasm";
}

export function nativeAddon(): NativeAddon {
  throw new TokenizerError(
    "the native tokenizer addon cannot run in a browser; use the WebAssembly backend",
    "internal",
  );
}
