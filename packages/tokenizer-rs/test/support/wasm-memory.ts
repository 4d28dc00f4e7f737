// What the memory tests watch in this thread's shared WASM instance (ts/wasm.ts threadInstance): how many
// encoders are alive in it (src/wasm/encode.rs encoder_live_count) and how large its memory has grown.
import { threadInstance } from "../../ts/wasm.ts";

export function liveEncoders(): number {
  return threadInstance().exportsAs<{ encoder_live_count(): number }>().encoder_live_count();
}

export function wasmMemoryBytes(): number {
  return threadInstance().core.memory.buffer.byteLength;
}
