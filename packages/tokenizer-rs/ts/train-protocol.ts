// Shared between ts/train.ts and its Workers: the training exports of src/wasm/train.rs and the message
// types exchanged with ts/train-worker.ts. Counts travel as one serialized buffer per Worker, never JSON.
import type { TokenizerErrorCode } from "./wasm.ts";

export type TrainExports = {
  check_training_specials(ptr: number, len: number): number;
  counter_new(ptr: number, len: number): number;
  counter_add_text(counter: number, ptr: number, len: number, base: number): number;
  counter_serialize(counter: number): number;
  counter_len(counter: number): number;
  counter_bytes(counter: number): number;
  counter_add_serialized(counter: number, ptr: number, len: number): number;
  counter_free(counter: number): number;
  trainer_new(counter: number): number;
  trainer_step(trainer: number, max: number): number;
  trainer_merges(trainer: number): number;
  trainer_free(trainer: number): number;
};

export type WorkerRequest =
  | { type: "init"; specials: string[] }
  | { type: "chunk"; bytes: Uint8Array; base: number; seq: number }
  | { type: "finish" };

export type WorkerReply =
  | { type: "ready" }
  | { type: "inited" }
  | { type: "counted"; bytes: number; buffer: ArrayBuffer; seq: number }
  | { type: "counts"; counts: Uint8Array }
  | { type: "error"; message: string; code: TokenizerErrorCode; seq?: number };
