// Worker threads for both runtimes the package supports: `node:worker_threads` (Node 20 has no global
// `Worker`; Bun implements the module), with each Worker's entry file beside this module — ts/<name>.ts
// in the workspace, dist/<name>.js in the published package (scripts/build-package.ts bundles both).
// Messages are structured clones; ArrayBuffers in `transfer` move instead of being copied. The module
// is loaded on first use: importing it costs Bun ~5 ms, a sixth of a cold tokenizer load that spawns none.
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";

type Threads = typeof import("node:worker_threads");
let threads: Threads | undefined;
const load = (): Threads => {
  threads ??= createRequire(import.meta.url)("node:worker_threads") as Threads;
  return threads;
};

export type WorkerName = "encode-worker" | "train-worker";

/** The most Workers one call may start: 4 per CPU, at most 256 (each holds a WASM instance and buffers). */
export function maxWorkers(): number {
  return Math.min(256, 4 * availableParallelism());
}

/** Refuses a Worker count that is not a whole number from 0 to maxWorkers(), saying why. */
export function checkWorkers(workers: number): void {
  if (!Number.isInteger(workers) || workers < 0) {
    throw new RangeError(`workers must be a non-negative integer, got ${workers}`);
  }
  const max = maxWorkers();
  if (workers > max) {
    throw new RangeError(
      `workers must be at most ${max} (4 per CPU, ${availableParallelism()} CPUs here, never above 256), ` +
        `got ${workers}: Workers beyond the CPUs only add memory, each holding its own WASM instance`,
    );
  }
}

/** The entry file of a Worker, next to the module that spawns it (source or bundle). */
function workerEntry(name: WorkerName): URL {
  return new URL(`./${name}${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
}

export type WorkerThread<In> = {
  post(msg: In, transfer?: ArrayBuffer[]): void;
  terminate(): void;
};

/**
 * Starts Worker `name`. `onError` gets an uncaught error in the Worker or an exit nobody asked for; after
 * `terminate()` the Worker's exit is quiet.
 */
export function spawnWorker<In, Out>(
  name: WorkerName,
  onMessage: (msg: Out) => void,
  onError: (e: Error) => void,
): WorkerThread<In> {
  const w = new (load().Worker)(workerEntry(name));
  let stopped = false;
  w.on("message", (msg: Out) => onMessage(msg));
  w.on("error", (e: Error) => onError(new Error(`${name} failed: ${e.message}`)));
  w.on("exit", (code: number) => {
    if (!stopped) onError(new Error(`${name} exited unexpectedly (code ${code})`));
  });
  return {
    post: (msg, transfer = []) => w.postMessage(msg, transfer),
    terminate: () => {
      stopped = true;
      void w.terminate();
    },
  };
}

/** Inside a Worker: handle messages from the thread that started it. */
export function onParentMessage<In>(handler: (msg: In) => void): void {
  const port = load().parentPort;
  if (!port) throw new Error("this module runs only as a Worker (spawnWorker)");
  port.on("message", (msg: In) => handler(msg));
}

/** Inside a Worker: send a message to the thread that started it. */
export function toParent<Out>(msg: Out, transfer: ArrayBuffer[] = []): void {
  load().parentPort?.postMessage(msg, transfer);
}
