// Public API of @cs336-ts/tokenizer: one export line per module (other areas append theirs).
export type { CoreExports } from "./wasm.ts";
export { compileModule, compileModuleSync, encodeStringList, TokenizerError, WasmInstance } from "./wasm.ts";
export type { Merges, TrainBpeOptions, TrainBpeResult, TrainProgress, TrainStats, Vocab } from "./train.ts";
export { trainBpe } from "./train.ts";
