// Encoding a whole file, in parallel: the file is cut into byte ranges at safe cuts (encode-ranges.ts),
// N Workers (each its own WASM instance) encode ranges as they free up, and the ids reach `onIds`
// strictly in file order. Dispatch stays at most 2N ranges ahead of what was delivered, so memory is
// bounded by a few ranges of ids whatever the file size. workers = 0 encodes on this thread. The input is a
// path (Node, Bun, Deno) or a Blob, such as a page's File: each Worker gets the Blob (cloned by reference)
// and reads its range's slices, so browsers keep the parallelism. On the native backend a path's ranges go
// to the addon instead (N at a time on its thread pool, each read into memory there), same order and bound.
import {
  type ByteRange,
  type EncodeJob,
  encodeBlobRange,
  encodeRange,
  type FromMain,
  loadTokenizer,
  planBlobRanges,
  planRanges,
  type ToMain,
} from "./encode-ranges.ts";
import { NativeEncoderCore } from "./encoder-native.ts";
import { inputFileStat } from "./fs-error.ts";
import { TokenizerError } from "./errors.ts";
import { type Backend, defaultBackend } from "./native-load.ts";
import { allowedTokens, resolvePolicy, type SpecialOptions } from "./special-policy.ts";
import { encoderOf, type Tokenizer } from "./tokenizer.ts";
import { checkWorkers, spawnWorker, type WorkerThread } from "./worker-thread.ts";

export type { EncodeJob, FromMain, ToMain } from "./encode-ranges.ts";

export type EncodeFileOptions = Omit<EncodeJob, "blockBytes"> & {
  /** Worker threads; 0 encodes on the calling thread. */
  workers: number;
  /** Approximate bytes per range (default: the file split 4 ways per worker, between 1 and 16 MiB). */
  rangeBytes?: number;
  blockBytes?: number;
  onIds(ids: Uint32Array): void;
  onProgress?(bytesDone: number, bytesTotal: number): void;
};

export type EncodeFileResult = { tokens: number; bytes: number; seconds: number; vocabSize: number };

/** All special tokens (none may be cut through) and those split off under the job's policy (cut points). */
function cutTokens(tok: Tokenizer, job: EncodeJob): { all: Uint8Array[]; cutAt: Uint8Array[] } {
  const names = allowedTokens(tok.specialTokens, job.options);
  const enc = new TextEncoder();
  return { all: tok.specialTokens.map((s) => enc.encode(s)), cutAt: names.map((s) => enc.encode(s)) };
}

export function encodeFile(opts: EncodeFileOptions): Promise<EncodeFileResult> {
  return encodeFileOn(defaultBackend(), opts);
}

/** encodeFile on a chosen backend (tests run both in one process; the API uses the process's). */
export async function encodeFileOn(backend: Backend, opts: EncodeFileOptions): Promise<EncodeFileResult> {
  const t0 = performance.now();
  const job: EncodeJob = {
    input: opts.input,
    files: opts.files,
    ranks: opts.ranks,
    tokenizerDir: opts.tokenizerDir,
    specialTokens: opts.specialTokens,
    options: opts.options,
    blockBytes: opts.blockBytes ?? 4 << 20,
  };
  const workers = Math.max(0, Math.floor(opts.workers));
  checkWorkers(workers);
  const tok = loadTokenizer(job, backend);
  try {
    const blob = typeof job.input === "string" ? undefined : job.input;
    const size = blob ? blob.size : inputFileStat(job.input as string, "input", "encodeFile").size;
    const target =
      opts.rangeBytes ?? Math.min(16 << 20, Math.max(1 << 20, Math.ceil(size / (Math.max(1, workers) * 4))));
    const cuts = cutTokens(tok, job);
    const ranges = blob
      ? await planBlobRanges(blob, target, cuts.all, cuts.cutAt)
      : planRanges(job.input as string, size, target, cuts.all, cuts.cutAt);
    let done = 0;
    let tokens = 0;
    const progress = (n: number) => {
      done += n;
      opts.onProgress?.(done, size);
    };
    const deliver = (ids: Uint32Array) => {
      tokens += ids.length;
      opts.onIds(ids);
    };
    const encoder = encoderOf(tok);
    if (!blob && encoder instanceof NativeEncoderCore) {
      const policy = resolvePolicy(tok.specialTokens, job.options as SpecialOptions);
      await inNativeTasks(Math.max(1, workers), encoder, job.input as string, ranges, policy, deliver, progress);
    } else if (workers === 0 || ranges.length <= 1) {
      for (const r of ranges) {
        deliver(blob ? await encodeBlobRange(tok, job, r, progress) : encodeRange(tok, job, r, progress));
      }
    } else {
      await inWorkers(Math.min(workers, ranges.length), job, ranges, deliver, progress);
    }
    return { tokens, bytes: size, seconds: (performance.now() - t0) / 1000, vocabSize: tok.vocabSize };
  } finally {
    tok.dispose(); // also when a range or a callback failed: its WASM memory or native encoder goes now
  }
}

/**
 * Encodes `ranges` in `n` Workers, delivering ids in file order. A range that fails stops the dispatch;
 * the ranges still in flight are waited for and the earliest failed range's error is the one reported,
 * so an invalid-UTF-8 offset is the file's first bad byte whichever Worker failed first.
 */
function inWorkers(
  n: number,
  job: EncodeJob,
  ranges: ByteRange[],
  deliver: (ids: Uint32Array) => void,
  progress: (n: number) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const pool: WorkerThread<FromMain>[] = [];
    const pending = new Map<number, Uint32Array>();
    const inFlight = new Set<number>();
    const rangeErrors = new Map<number, Error>();
    let nextToSend = 0;
    let nextToDeliver = 0;
    let failed = false;
    const stop = () => {
      for (const w of pool) w.terminate();
    };
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      stop();
      reject(e);
    };
    /** Once no range is in flight, the earliest range's error is final. */
    const settleErrors = () => {
      if (inFlight.size === 0) fail(rangeErrors.get(Math.min(...rangeErrors.keys())) as Error);
    };
    const dispatch = (w: WorkerThread<FromMain>) => {
      if (rangeErrors.size === 0 && nextToSend < ranges.length && nextToSend - nextToDeliver < 2 * n) {
        inFlight.add(nextToSend);
        w.post({ type: "range", index: nextToSend, range: ranges[nextToSend] as ByteRange });
        nextToSend++;
        return true;
      }
      return false;
    };
    const idle: WorkerThread<FromMain>[] = [];
    for (let i = 0; i < n; i++) {
      const w: WorkerThread<FromMain> = spawnWorker<FromMain, ToMain>(
        "encode-worker",
        (msg) => {
          if (failed) return;
          if (msg.type === "ready") w.post({ type: "init", job });
          else if (msg.type === "ids" && rangeErrors.size > 0) {
            inFlight.delete(msg.index);
            settleErrors();
          } else if (msg.type === "inited" || msg.type === "ids") {
            if (msg.type === "ids") {
              inFlight.delete(msg.index);
              pending.set(msg.index, msg.ids);
              for (let ids = pending.get(nextToDeliver); ids; ids = pending.get(nextToDeliver)) {
                pending.delete(nextToDeliver++);
                try {
                  deliver(ids);
                } catch (e) {
                  return fail(e as Error);
                }
              }
              if (nextToDeliver === ranges.length) {
                failed = true; // done: later messages (none expected) are ignored
                stop();
                return resolve();
              }
            }
            if (!dispatch(w)) idle.push(w);
            // Delivering may have opened the window for Workers that were waiting.
            while (idle.length > 0 && nextToSend < ranges.length && nextToSend - nextToDeliver < 2 * n) {
              dispatch(idle.pop() as WorkerThread<FromMain>);
            }
          } else if (msg.type === "progress") {
            try {
              progress(msg.bytes);
            } catch (e) {
              return fail(e as Error);
            }
          } else if (msg.type === "error") {
            const e = msg.code ? new TokenizerError(msg.message, msg.code) : new Error(msg.message);
            if (msg.index === undefined) return fail(e);
            inFlight.delete(msg.index);
            rangeErrors.set(msg.index, e);
            settleErrors();
          }
        },
        (e) => fail(new Error(`encode worker crashed: ${e.message}`)),
      );
      pool.push(w);
    }
  });
}

/**
 * Encodes `ranges` of the file at `path` with the native encoder, `n` ranges in flight on the addon's
 * thread pool, delivering ids in file order and dispatching at most 2N ranges ahead of delivery. A range
 * that fails stops the dispatch; once nothing is in flight the earliest failed range's error is thrown
 * (the file's first bad byte, whichever range finished first), as with Workers.
 */
function inNativeTasks(
  n: number,
  encoder: NativeEncoderCore,
  path: string,
  ranges: ByteRange[],
  policy: Uint8Array,
  deliver: (ids: Uint32Array) => void,
  progress: (n: number) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = new Map<number, Uint32Array>();
    const errors = new Map<number, unknown>();
    let nextToSend = 0;
    let nextToDeliver = 0;
    let running = 0;
    let settled = false;
    const finish = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e === undefined) resolve();
      else reject(e);
    };
    const pump = () => {
      if (settled) return;
      if (errors.size > 0) {
        if (running === 0) finish(errors.get(Math.min(...errors.keys())));
        return;
      }
      for (let ids = done.get(nextToDeliver); ids; ids = done.get(nextToDeliver)) {
        done.delete(nextToDeliver++);
        try {
          deliver(ids);
        } catch (e) {
          return finish(e);
        }
      }
      if (nextToDeliver === ranges.length) return finish();
      while (running < n && nextToSend < ranges.length && nextToSend - nextToDeliver < 2 * n) start(nextToSend++);
    };
    const start = (index: number) => {
      const r = ranges[index] as ByteRange;
      running++;
      encoder.encodeFileRange(path, r.start, r.end, policy).then(
        (ids) => {
          running--;
          if (settled) return;
          // The caller's callbacks throw into this Promise's handler, not to the caller: report it.
          try {
            progress(r.end - r.start);
          } catch (e) {
            return finish(e);
          }
          done.set(index, ids);
          pump();
        },
        (e: unknown) => {
          running--;
          errors.set(index, e);
          pump();
        },
      );
    };
    pump();
  });
}
