// Worker threads for Node, Bun and Deno: `node:worker_threads` (Node 20 has no global `Worker`; Bun and
// Deno implement the module; the browser build swaps in worker-thread-web.ts), with each Worker's entry
// file beside this module: ts/<name>.ts in the workspace, dist/<name>.js in the published package.
// Messages are structured clones; ArrayBuffers in `transfer` move instead of being copied. The module
// is loaded on first use: importing it costs Bun ~5 ms, a sixth of a cold tokenizer load that spawns none.
import { createRequire } from "node:module";

type Threads = typeof import("node:worker_threads");
let threads: Threads | undefined;
const load = (): Threads => {
  threads ??= createRequire(import.meta.url)("node:worker_threads") as Threads;
  return threads;
};

export type WorkerName = "encode-worker" | "train-worker";
export { checkWorkers, maxWorkers } from "./worker-limits.ts";

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
