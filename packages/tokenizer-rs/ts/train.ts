// trainBpe: byte-level BPE training (CS336 §2.5 `train_bpe`) over files or bytes. Input is read in large
// blocks, cut at safe boundaries (src/cuts.rs) and counted by N Workers that each own a WASM
// instance (or in this thread for small inputs); the main thread's instance merges their counts and runs
// the merge loop (src/train.rs) in batches so progress can be reported. On the native backend
// train-native.ts does both instead. Ids: bytes 0..255, merges, then specials (src/lib.rs). Several input
// files are separate documents: no pre-token spans two files.
import { closeSync, openSync, readSync } from "node:fs";
import { availableParallelism } from "node:os";
import { inputFileStat } from "./fs-error.ts";
import { lastSafeCut } from "./cuts.ts";
import type { TrainExports, WorkerReply, WorkerRequest } from "./train-protocol.ts";
import {
  encodeStringList,
  explainTrap,
  TokenizerError,
  threadInstance,
  WasmInstance,
  wasmMemoryNeeded,
} from "./wasm.ts";
import { checkWorkers, spawnWorker, type WorkerThread } from "./worker-thread.ts";
import { type Backend, defaultBackend } from "./native-load.ts";
import { checkNativeSpecials, type TrainSource, trainMergesNative } from "./train-native.ts";
import { runMerges } from "./train-merge-loop.ts";
import { yieldToEventLoop } from "./yield.ts";

export type Vocab = Map<number, Uint8Array>;
export type Merges = Array<[Uint8Array, Uint8Array]>;

export type TrainProgress =
  | { phase: "pretokenize"; bytesDone: number; bytesTotal: number; seconds: number }
  | { phase: "merge"; mergesDone: number; mergesTotal: number; seconds: number };

export type TrainBpeOptions = {
  /** File path(s), or the corpus itself as bytes. */
  input: string | string[] | Uint8Array;
  /** Total vocabulary: 256 bytes + merges + special tokens. */
  vocabSize: number;
  specialTokens?: string[];
  /** Counting Workers; 0 counts in this thread. Default: 0 below 4 MiB of input, else one per core. */
  workers?: number;
  /** Bytes read per block (each block is cut at a safe boundary and counted by one Worker). */
  chunkBytes?: number;
  onProgress?: (p: TrainProgress) => void;
};

export type TrainStats = {
  bytes: number;
  workers: number;
  distinctPretokens: number;
  pretokenizeSeconds: number;
  mergeSeconds: number;
};

export type TrainBpeResult = { vocab: Vocab; merges: Merges; stats: TrainStats };

const SMALL_INPUT = 4 << 20;
const DEFAULT_CHUNK = 8 << 20;
const MAX_INFLIGHT = 2;

type Source = TrainSource;
type Chunk = { source: Source; bytes: Uint8Array; base: number };

/** The core's training special-token rule (empty, repeated, one byte) in WASM: its error, if any. */
function wasmSpecialsError(specials: string[]): TokenizerError | undefined {
  const wasm = threadInstance();
  const status = wasm.withBytes(encodeStringList(specials), (p, l) =>
    wasm.exportsAs<TrainExports>().check_training_specials(p, l),
  );
  return status < 0 ? wasm.error() : undefined;
}

function validate(opts: TrainBpeOptions, specials: string[], backend: Backend): void {
  const { vocabSize } = opts;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`vocab size must be a positive integer, got ${vocabSize}`);
  }
  // The core's rule, asked before any input is read; RangeError as for the other option checks here.
  let e: unknown;
  if (backend === "wasm") e = wasmSpecialsError(specials);
  else {
    try {
      checkNativeSpecials(specials);
    } catch (caught) {
      e = caught;
    }
  }
  if (e) throw e instanceof TokenizerError && e.code === "special_token" ? new RangeError(e.message) : e;
  const min = 256 + specials.length;
  if (vocabSize < min) {
    throw new RangeError(
      `vocab size ${vocabSize} is too small: it must be at least ${min} (256 byte tokens + ${specials.length} special token${specials.length === 1 ? "" : "s"})`,
    );
  }
  if (opts.workers !== undefined) checkWorkers(opts.workers);
}

const GiB = 2 ** 30;
const TRAIN_FIX =
  "train on a smaller sample, or split the text (line breaks, spaces or a special token such as <|endoftext|>)";

/**
 * A stretch without a safe cut is one pre-token: counting holds it in a Worker (the chunk and its key) and
 * the main instance (the serialized counts, then the counter and the trainer's copy), four copies in all,
 * so past a quarter of the 4 GiB WASM memory it cannot be trained on. Refused as soon as it is read.
 */
export function checkUncutStretch(len: number, source: string, base: number): void {
  if (4 * len <= 4 * GiB) return;
  throw new TokenizerError(
    `${source}: from byte ${base}, more than ${(len / GiB).toFixed(1)} GiB without whitespace or a special ` +
      `token: such a stretch is one pre-token, and training keeps four copies of it in WASM memory, which ` +
      `is 4 GiB at most; ${TRAIN_FIX}`,
    "memory",
  );
}

/** Upper bound on the chunks `chunks()` yields: one per block read, at least one per source. */
function maxChunks(srcs: Source[], blockBytes: number): number {
  return srcs.reduce((n, s) => n + Math.max(1, Math.ceil(s.size / blockBytes)), 0);
}

function sources(input: TrainBpeOptions["input"]): Source[] {
  if (input instanceof Uint8Array) return [{ name: "<bytes>", size: input.length, data: input }];
  const paths = typeof input === "string" ? [input] : input;
  if (paths.length === 0) throw new RangeError("no input files given");
  return paths.map((path) => {
    const st = inputFileStat(path, "input file", "trainBpe");
    if (st.size === 0) {
      throw new TokenizerError(`input file ${path} is empty; give a file with text to train on`, "input");
    }
    return { name: path, size: st.size };
  });
}

/**
 * Reused read buffers. Chunks go to Workers by transfer and come back with the "counted" reply, so the
 * number of block-sized ArrayBuffers alive stays bounded (in flight + two) whatever the input size;
 * without it every block was a fresh allocation that the collectors of both threads freed only lazily.
 */
class BufferPool {
  private free: ArrayBuffer[] = [];
  constructor(
    private readonly size: number,
    private readonly keep: number,
  ) {}
  take(min: number): Uint8Array<ArrayBuffer> {
    const i = this.free.findIndex((b) => b.byteLength >= min);
    if (i >= 0) return new Uint8Array(this.free.splice(i, 1)[0] as ArrayBuffer);
    return new Uint8Array(Math.max(min, this.size));
  }
  /** Keeps block-sized buffers only: one grown for a stretch without a cut would stay as big as it. */
  give(buf: ArrayBuffer): void {
    if (this.free.length < this.keep && buf.byteLength >= this.size && buf.byteLength <= 2 * this.size) {
      this.free.push(buf);
    }
  }
}

/**
 * Blocks of each source, each cut after its last safe boundary; the tail carries into the next block.
 * When a block has no safe cut (long text without one), the buffer grows geometrically and only the new
 * bytes are searched, so a long uncut stretch costs linear time, not a re-copy and re-scan per block.
 * Each yielded chunk owns its buffer (the caller may transfer it, then give it back to `pool`).
 */
function* chunks(srcs: Source[], blockBytes: number, specials: Uint8Array[], pool: BufferPool): Generator<Chunk> {
  const maxLen = specials.reduce((m, t) => Math.max(m, t.length), 1);
  for (const source of srcs) {
    let fd = -1;
    try {
      if (!source.data) fd = openSync(source.name, "r");
      let buf: Uint8Array = new Uint8Array(0);
      let len = 0; // pending bytes buf[0..len), starting at source offset `base`
      let offset = 0; // bytes of the source read so far
      let base = 0;
      let searched = 0; // when > 0: no safe cut below this position of buf (searched before)
      while (true) {
        const want = Math.min(blockBytes, source.size - offset);
        if (len + want > buf.length) {
          // Doubling, but never past what is left of the source.
          const left = len + source.size - offset;
          const grown = pool.take(searched > 0 ? Math.max(len + want, Math.min(2 * buf.length, left)) : len + want);
          grown.set(buf.subarray(0, len));
          pool.give(buf.buffer as ArrayBuffer);
          buf = grown;
        }
        if (source.data) buf.set(source.data.subarray(offset, offset + want), len);
        else if (want > 0 && readSync(fd, buf, len, want, offset) !== want) {
          throw new TokenizerError(`${source.name} changed size while being read`, "input");
        }
        len += want;
        offset += want;
        const eof = offset >= source.size;
        const view = buf.subarray(0, len);
        const cut = eof ? len : lastSafeCut(view, specials, searched > 0 ? searched : Math.floor(len / 2));
        if (cut <= 0) {
          checkUncutStretch(len, source.name, base);
          searched = Math.max(1, len - maxLen + 1); // no safe boundary yet (long uncut text): read on
          continue;
        }
        if (eof) {
          yield { source, bytes: buf.subarray(0, cut), base };
          break;
        }
        const tail = pool.take(len - cut + blockBytes);
        tail.set(buf.subarray(cut, len));
        yield { source, bytes: buf.subarray(0, cut), base };
        base += cut;
        len -= cut;
        buf = tail;
        searched = 0;
      }
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
}

/** A core error met while counting `source` (invalid UTF-8), naming the file it is in. */
function inSource(source: Source | undefined, e: TokenizerError): TokenizerError {
  return !source || source.data ? e : new TokenizerError(`${source.name}: ${e.message}`, e.code);
}

/** Counts one chunk into `counter` in this thread's instance; the error of a chunk that is not UTF-8. */
function countChunk(
  wasm: WasmInstance,
  counter: number,
  c: Chunk,
  pool: BufferPool,
  progress: (n: number) => void,
): TokenizerError | undefined {
  const ex = wasm.exportsAs<TrainExports>();
  const len = c.bytes.length;
  // Room for the counted key below the chunk's copy: the key lands there, and the copy, freed last at
  // the top of the heap, is memory the trainer reuses instead of a hole the size of the stretch.
  const hold = wasm.alloc(len + (len >>> 3));
  let ptr: number;
  try {
    ptr = wasm.alloc(len);
  } finally {
    wasm.core.dealloc(hold, len + (len >>> 3));
  }
  let n: number;
  try {
    wasm.view(ptr, len).set(c.bytes);
    n = ex.counter_add_text(counter, ptr, len, c.base);
  } finally {
    wasm.core.dealloc(ptr, len);
  }
  if (n < 0) return inSource(c.source, wasm.error());
  progress(c.bytes.length);
  pool.give(c.bytes.buffer as ArrayBuffer);
  return undefined;
}

/** Counts every chunk in this thread's instance, into `counter`. */
async function countHere(
  wasm: WasmInstance,
  counter: number,
  it: Iterable<Chunk>,
  pool: BufferPool,
  progress: (n: number) => void,
): Promise<void> {
  for (const c of it) {
    const e = countChunk(wasm, counter, c, pool, progress);
    if (e) throw e;
    await yieldToEventLoop();
  }
}

type Slot = {
  worker: WorkerThread<WorkerRequest>;
  inflight: number;
  ready: Promise<void>;
  counts: Promise<Uint8Array>;
};

/**
 * Counting in this thread's counter, for the chunks `long` picks: a stretch without a cut is one
 * pre-token, and counted in a Worker it was copied into that instance, counted, serialized, sent and
 * copied into this one (the Worker's and this instance's memory each some times the stretch); here it
 * is the chunk's copy and the counted key. Returns the error of a chunk that is not UTF-8.
 */
type Here = { long: (c: Chunk) => boolean; count: (c: Chunk) => TokenizerError | undefined };

/**
 * Counts chunks in `n` Workers, except those `here` takes; returns each Worker's serialized counts. A chunk that fails (invalid UTF-8)
 * stops the dispatch, and the chunks still in flight are waited for: the error reported is the earliest
 * chunk's, so its offset is the input's first bad byte whichever Worker failed first.
 */
async function countInWorkers(
  n: number,
  specials: string[],
  it: Iterable<Chunk>,
  pool: BufferPool,
  progress: (n: number) => void,
  here: Here,
): Promise<Uint8Array[]> {
  let failure: Error | undefined; // a Worker that broke: nothing more will come from it
  const chunkErrors = new Map<number, TokenizerError>(); // by the failed chunk's sequence number
  let wake: (() => void) | undefined;
  const sourceOf = new Map<number, Source>(); // chunk in flight → its source, to name the file in errors
  const slots: Slot[] = [];
  const earliest = () => chunkErrors.get(Math.min(...chunkErrors.keys()));
  try {
    for (let i = 0; i < n; i++) {
      let onReady!: () => void;
      let onCounts!: (c: Uint8Array) => void;
      let onFail!: (e: Error) => void;
      const ready = new Promise<void>((res, rej) => {
        onReady = res;
        onFail = rej;
      });
      const counts = new Promise<Uint8Array>((res, rej) => {
        onCounts = res;
        const prev = onFail;
        onFail = (e) => {
          prev(e);
          rej(e);
        };
      });
      counts.catch(() => {});
      ready.catch(() => {});
      const done = (seq: number) => {
        slot.inflight--;
        sourceOf.delete(seq);
        wake?.();
      };
      const worker = spawnWorker<WorkerRequest, WorkerReply>(
        "train-worker",
        (m) => {
          if (m.type === "ready") onReady();
          else if (m.type === "counted") {
            pool.give(m.buffer);
            try {
              progress(m.bytes);
            } catch (e) {
              // Thrown here it would escape the message handler and the counting would wait forever.
              failure ??= e as Error;
              onFail(failure);
            }
            done(m.seq);
          } else if (m.type === "counts") onCounts(m.counts);
          else if (m.type === "error" && m.seq !== undefined) {
            chunkErrors.set(m.seq, inSource(sourceOf.get(m.seq), new TokenizerError(m.message, m.code)));
            done(m.seq);
          } else if (m.type === "error") {
            failure ??= new TokenizerError(m.message, m.code);
            onFail(failure);
            wake?.();
          }
        },
        (e) => {
          failure ??= new TokenizerError(`training worker failed: ${e.message}`, "internal");
          onFail(failure);
          wake?.();
        },
      );
      const slot: Slot = { worker, inflight: 0, ready, counts };
      slots.push(slot);
    }
    await Promise.all(slots.map((s) => s.ready));
    const send = (s: Slot, msg: WorkerRequest, transfer: ArrayBuffer[] = []) => s.worker.post(msg, transfer);
    const waitForReply = () =>
      new Promise<void>((res) => {
        wake = res;
      });
    for (const s of slots) send(s, { type: "init", specials });
    let seq = 0;
    for (const c of it) {
      if (here.long(c)) {
        const e = here.count(c);
        if (e) chunkErrors.set(seq, e);
        seq++;
        if (e) break;
        continue;
      }
      let slot = slots.reduce((a, b) => (b.inflight < a.inflight ? b : a));
      while (!failure && chunkErrors.size === 0 && slot.inflight >= MAX_INFLIGHT) {
        await waitForReply();
        slot = slots.reduce((a, b) => (b.inflight < a.inflight ? b : a));
      }
      if (failure || chunkErrors.size > 0) break;
      sourceOf.set(seq, c.source);
      slot.inflight++;
      send(slot, { type: "chunk", bytes: c.bytes, base: c.base, seq: seq++ }, [c.bytes.buffer as ArrayBuffer]);
    }
    while (!failure && chunkErrors.size > 0 && slots.some((s) => s.inflight > 0)) await waitForReply();
    if (chunkErrors.size > 0) throw earliest();
    if (failure) throw failure;
    for (const s of slots) send(s, { type: "finish" });
    const all = await Promise.all(slots.map((s) => s.counts)).catch((e: Error) => {
      throw earliest() ?? failure ?? e;
    });
    // A Worker answers in order: its counts come after every one of its chunks' replies.
    if (chunkErrors.size > 0) throw earliest();
    if (failure) throw failure;
    return all;
  } finally {
    for (const s of slots) s.worker.terminate();
  }
}

/** A full collection where the runtime offers one (Bun); elsewhere nothing. */
function collectGarbage(): void {
  (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
}

/**
 * The bytes of every token (bytes, then one per merge of `ids`, (left, right) pairs). Only tokens that are
 * no merge's part get buffers of their own; every part is a view into the first token spelled out that
 * holds it. Joining each merge anew cost the sum of all token lengths: twice the corpus for one repeated
 * letter, whose tokens double ("aa", "aaaa", …) up to the whole text.
 */
export function tokenBytes(ids: Uint32Array): Uint8Array[] {
  const n = ids.length / 2;
  const lens = new Float64Array(256 + n).fill(1, 0, 256);
  for (let i = 0; i < n; i++)
    lens[256 + i] = (lens[ids[2 * i] as number] as number) + (lens[ids[2 * i + 1] as number] as number);
  const tokens: (Uint8Array | undefined)[] = new Array(256 + n);
  for (let b = 0; b < 256; b++) tokens[b] = Uint8Array.of(b);
  const stack: number[] = []; // (id, offset) pairs still to write into `buf`
  for (let top = 256 + n - 1; top >= 256; top--) {
    if (tokens[top]) continue;
    const buf = new Uint8Array(lens[top] as number);
    stack.push(top, 0);
    while (stack.length > 0) {
      const at = stack.pop() as number;
      const id = stack.pop() as number;
      const known = tokens[id];
      // A token met again is copied from its view: depth-first, a view is whole before it is met again.
      if (known) buf.set(known, at);
      else {
        tokens[id] = buf.subarray(at, at + (lens[id] as number));
        const a = ids[2 * (id - 256)] as number;
        stack.push(ids[2 * (id - 256) + 1] as number, at + (lens[a] as number), a, at);
      }
    }
  }
  return tokens as Uint8Array[];
}

export async function trainBpe(opts: TrainBpeOptions): Promise<TrainBpeResult> {
  return trainBpeOn(defaultBackend(), opts);
}

/** trainBpe on a chosen backend (tests run both in one process; the API uses the process's). */
export async function trainBpeOn(backend: Backend, opts: TrainBpeOptions): Promise<TrainBpeResult> {
  const specials = opts.specialTokens ?? [];
  validate(opts, specials, backend);
  const { ids, stats, longCounted } =
    backend === "native"
      ? { ...(await trainNative(opts, specials)), longCounted: false }
      : await trainMerges(opts, specials);
  // The training instance is unreachable now; where a stretch without a cut made its memory (which never
  // shrinks) about the input several times over, it is collected before the tokens take theirs.
  if (longCounted) collectGarbage();
  const tokens = tokenBytes(ids);
  const merges: Merges = [];
  for (let i = 0; i < ids.length / 2; i++) {
    merges.push([tokens[ids[2 * i] as number], tokens[ids[2 * i + 1] as number]] as Merges[0]);
  }
  const enc = new TextEncoder();
  for (const s of specials) tokens.push(enc.encode(s));
  return { vocab: new Map(tokens.map((t, id) => [id, t])), merges, stats };
}

/** The inputs checked, their total size and the counting threads asked for (default: by size and cores). */
function inputs(opts: TrainBpeOptions): { srcs: Source[]; bytesTotal: number; asked: number } {
  const srcs = sources(opts.input);
  const bytesTotal = srcs.reduce((n, s) => n + s.size, 0);
  if (bytesTotal === 0) throw new TokenizerError("the input is empty; give text to train on", "input");
  const asked = opts.workers ?? (bytesTotal < SMALL_INPUT ? 0 : Math.min(availableParallelism(), 8));
  return { srcs, bytesTotal, asked };
}

/** Counting and the merge loop on the native addon (train-native.ts); no WASM memory limit applies. */
function trainNative(opts: TrainBpeOptions, specials: string[]): Promise<{ ids: Uint32Array; stats: TrainStats }> {
  const { srcs, asked } = inputs(opts);
  const t0 = performance.now();
  return trainMergesNative(opts, specials, srcs, asked, () => (performance.now() - t0) / 1000);
}

/** Counting and the merge loop, in a WASM instance of their own: the merges as (left, right) id pairs. */
async function trainMerges(
  opts: TrainBpeOptions,
  specials: string[],
): Promise<{ ids: Uint32Array; stats: TrainStats; longCounted: boolean }> {
  const { srcs, bytesTotal, asked } = inputs(opts);
  const blockBytes = opts.chunkBytes ?? DEFAULT_CHUNK;
  const workers = Math.min(asked, maxChunks(srcs, blockBytes)); // a Worker without a chunk costs a WASM instance
  const enc = new TextEncoder();
  const specialBytes = specials.map((s) => enc.encode(s));
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;

  const wasm = await WasmInstance.create();
  const ex = wasm.exportsAs<TrainExports>();
  const counter = wasm.withBytes(encodeStringList(specials), (p, l) => ex.counter_new(p, l));
  if (counter === 0) throw wasm.error();
  let trainer = 0;
  try {
    let bytesDone = 0;
    const progress = (n: number) => {
      bytesDone += n;
      opts.onProgress?.({ phase: "pretokenize", bytesDone, bytesTotal, seconds: seconds() });
    };
    const pool = new BufferPool(blockBytes + (64 << 10), workers * MAX_INFLIGHT + 2);
    const it = chunks(srcs, blockBytes, specialBytes, pool);
    let longCounted = false;
    if (workers === 0) await countHere(wasm, counter, it, pool, progress);
    else {
      const here: Here = {
        long: (c) => c.bytes.length > 2 * blockBytes, // grown past a block: no cut in it
        count: (c) => {
          longCounted = true;
          return countChunk(wasm, counter, c, pool, progress);
        },
      };
      for (const buf of await countInWorkers(workers, specials, it, pool, progress, here)) {
        wasm.check(wasm.withBytes(buf, (p, l) => ex.counter_add_serialized(counter, p, l)));
      }
    }
    // A stretch without a cut left its buffers (grown by doubling to its length) as garbage the size of
    // the input; collected before the trainer takes its memory, they do not add to the peak.
    if (longCounted) collectGarbage();
    const distinctPretokens = wasm.check(ex.counter_len(counter));
    const countBytes = wasm.check(ex.counter_bytes(counter));
    const pretokenizeSeconds = seconds();
    // The counts (serialized and live) and the trainer's words built from them share one instance.
    wasmMemoryNeeded(
      4 * countBytes,
      `training on ${distinctPretokens} distinct pre-tokens (${countBytes} bytes of counts)`,
      TRAIN_FIX,
    );

    trainer = ex.trainer_new(counter);
    if (trainer === 0) throw wasm.error();
    ex.counter_free(counter);
    await runMerges(
      (max) => wasm.check(ex.trainer_step(trainer, max)),
      opts.vocabSize,
      specials.length,
      seconds,
      opts.onProgress,
    );
    const n = wasm.check(ex.trainer_merges(trainer));
    const ids = new Uint32Array(wasm.takeResult().buffer, 0, 2 * n);
    const stats = { bytes: bytesTotal, workers, distinctPretokens, pretokenizeSeconds, mergeSeconds: 0 };
    stats.mergeSeconds = seconds() - pretokenizeSeconds;
    return { ids, stats, longCounted };
  } catch (e) {
    throw explainTrap(e, "training", TRAIN_FIX);
  } finally {
    try {
      if (trainer) ex.trainer_free(trainer);
      else ex.counter_free(counter);
    } catch {} // after a trap the instance is unusable; it is dropped with `wasm`
  }
}
