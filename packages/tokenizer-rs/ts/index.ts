// Public API of @cs336-ts/tokenizer: one export line per module (other areas append theirs).
export type { CoreExports } from "./wasm.ts";
export { compileModule, compileModuleSync, encodeStringList, TokenizerError, WasmInstance } from "./wasm.ts";
export type { Merges, TrainBpeOptions, TrainBpeResult, TrainProgress, TrainStats, Vocab } from "./train.ts";
export { trainBpe } from "./train.ts";
export type { MergesInput, VocabInput } from "./tokenizer.ts";
export { Tokenizer } from "./tokenizer.ts";
export type { SpecialOptions } from "./special-policy.ts";
export { StreamEncoder } from "./streaming.ts";
export { IncrementalDecoder } from "./incremental-decoder.ts";
export type { TiktokenRanks } from "./tiktoken-ranks.ts";
export { parseTiktokenRanks, RankFileError } from "./tiktoken-ranks.ts";
export {
  bytesToPrintable,
  loadTokenizerJson,
  loadVocabMerges,
  mergesTxt,
  parseMergesTxt,
  parseVocabJson,
  printableToBytes,
  saveTokenizerFiles,
  tokenizerJson,
  vocabJson,
  writeFileAtomic,
} from "./files.ts";
export { referencePretokenCounts, referenceTrainBpe } from "./reference-trainer.ts";
export type { FromFilesOptions } from "./tokenizer-files.ts";
export type { EncodeFileOptions, EncodeFileResult } from "./encode-file.ts";
export { encodeFile } from "./encode-file.ts";
