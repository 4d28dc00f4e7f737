// worker-thread.ts in the browser build (scripts/build-package.ts swaps it in): module Web Workers with
// the same interface. The Worker URLs are literals in the `new Worker(new URL(…, import.meta.url),
// { type: "module" })` form that Vite and webpack follow to bundle and emit each Worker; without such a
// bundler, dist/web-train-worker.js and dist/web-encode-worker.js are served from beside the page's bundle.
// encodeFile runs here on a Blob (a page's File), never on a path.
import type { WorkerName, WorkerThread } from "./worker-thread.ts";

export type { WorkerName, WorkerThread } from "./worker-thread.ts";
export { checkWorkers, maxWorkers } from "./worker-limits.ts";

/** Starts Worker `name` as a module Web Worker; `onError` gets an error raised in it. */
export function spawnWorker<In, Out>(
  name: WorkerName,
  onMessage: (msg: Out) => void,
  onError: (e: Error) => void,
): WorkerThread<In> {
  // One literal URL per Worker, so that bundlers see both.
  const w =
    name === "train-worker"
      ? new Worker(new URL("./web-train-worker.js", import.meta.url), { type: "module" })
      : new Worker(new URL("./web-encode-worker.js", import.meta.url), { type: "module" });
  w.addEventListener("message", (e: MessageEvent) => onMessage(e.data as Out));
  w.addEventListener("error", (e: ErrorEvent) => {
    e.preventDefault();
    onError(new Error(`${name} failed: ${e.message || `the Worker could not start (is web-${name}.js served?)`}`));
  });
  w.addEventListener("messageerror", () => onError(new Error(`${name} sent a message that could not be read`)));
  return {
    post: (msg, transfer = []) => w.postMessage(msg, transfer),
    terminate: () => w.terminate(),
  };
}
