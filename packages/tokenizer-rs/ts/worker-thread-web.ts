// worker-thread.ts in the browser build (scripts/build-package.ts swaps it in): module Web Workers with
// the same interface. The Worker URLs are literals in the `new Worker(new URL(…, import.meta.url),
// { type: "module" })` form that Vite and webpack follow to bundle and emit each Worker; without such a
// bundler, dist/web-train-worker.js is served from beside the page's bundle. Only training runs in
// browser Workers: encodeFile reads files, which a page cannot.
import type { WorkerName, WorkerThread } from "./worker-thread.ts";

export type { WorkerName, WorkerThread } from "./worker-thread.ts";
export { checkWorkers, maxWorkers } from "./worker-limits.ts";

/** Starts Worker `name` as a module Web Worker; `onError` gets an error raised in it. */
export function spawnWorker<In, Out>(
  name: WorkerName,
  onMessage: (msg: Out) => void,
  onError: (e: Error) => void,
): WorkerThread<In> {
  if (name !== "train-worker") {
    throw new Error(`${name} does not run in a browser: encodeFile reads files; encode text with Tokenizer.encode`);
  }
  const w = new Worker(new URL("./web-train-worker.js", import.meta.url), { type: "module" });
  w.addEventListener("message", (e: MessageEvent) => onMessage(e.data as Out));
  w.addEventListener("error", (e: ErrorEvent) => {
    e.preventDefault();
    onError(new Error(`${name} failed: ${e.message || "the Worker could not start (is web-train-worker.js served?)"}`));
  });
  w.addEventListener("messageerror", () => onError(new Error(`${name} sent a message that could not be read`)));
  return {
    post: (msg, transfer = []) => w.postMessage(msg, transfer),
    terminate: () => w.terminate(),
  };
}
