// Public API of @cs336-ts/tokenizer: one export line per module. Internals stay unexported (the WASM
// loader and instance in wasm-load.ts and wasm.ts, the native addon and the backend hooks of
// native-load.ts, the string-list codec, the folder writer); the package's own tests import them from
// ../ts/ by path, and the slow reference trainer they compare against lives with them.
export type { TokenizerErrorCode } from "./errors.ts";
export { RankFileError, TokenizerError } from "./errors.ts";
export type { CompiledWasm, ResponseLike, WasmSource } from "./init.ts";
export { init } from "./init.ts";
export type { Backend, BackendInfo } from "./native-load.ts";
export { tokenizerBackend } from "./native-load.ts";
export type { Merges, TrainBpeOptions, TrainBpeResult, TrainProgress, TrainStats, Vocab } from "./train.ts";
export { trainBpe } from "./train.ts";
export type { MergesInput, VocabInput } from "./tokenizer.ts";
export { Tokenizer } from "./tokenizer.ts";
export type { SpecialOptions } from "./special-policy.ts";
export { StreamEncoder } from "./streaming.ts";
export { IncrementalDecoder } from "./incremental-decoder.ts";
export type { SaveTokenizerOptions } from "./files.ts";
export {
  bytesToPrintable,
  mergesTxt,
  printableToBytes,
  saveTokenizerFiles,
  tokenizerJson,
  vocabJson,
} from "./files.ts";
export { checkTokenizerFolder } from "./tokenizer-folder.ts";
export type { TiktokenRanks } from "./readers.ts";
export { loadTokenizerJson, loadVocabMerges, parseMergesTxt, parseTiktokenRanks, parseVocabJson } from "./readers.ts";
export type { FromFilesOptions } from "./tokenizer-files.ts";
export type { EncodeFileOptions, EncodeFileResult } from "./encode-file.ts";
export { encodeFile } from "./encode-file.ts";
