// Whether the native addon can run here, for the tests that compare it with WASM: they skip, with the
// build command as the message, when it is absent or stale (built before the methods the wrapper calls).
import { BUILD_COMMAND, nativeAddon } from "../../ts/native-load.ts";

function probe(): string | undefined {
  try {
    nativeAddon();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Why the native backend cannot run here, or undefined when it can. */
export const nativeMissing = probe();

if (nativeMissing) console.warn(`native backend tests skipped: ${nativeMissing} (\`${BUILD_COMMAND}\`)`);
