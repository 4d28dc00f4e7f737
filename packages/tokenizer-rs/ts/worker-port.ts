// The Worker side of worker-thread.ts in Node, Bun and Deno: messages to and from the thread that started
// this one, through node:worker_threads' parentPort. Apart from the spawner so that a Worker's bundle
// holds no code that starts Workers (Vite would follow it and bundle the Worker into itself); the
// browser build swaps in worker-port-web.ts.
import { createRequire } from "node:module";

type Threads = typeof import("node:worker_threads");
const port = (): Threads["parentPort"] => (createRequire(import.meta.url)("node:worker_threads") as Threads).parentPort;

/** Inside a Worker: handle messages from the thread that started it. */
export function onParentMessage<In>(handler: (msg: In) => void): void {
  const p = port();
  if (!p) throw new Error("this module runs only as a Worker (spawnWorker)");
  p.on("message", (msg: In) => handler(msg));
}

/** Inside a Worker: send a message to the thread that started it. */
export function toParent<Out>(msg: Out, transfer: ArrayBuffer[] = []): void {
  port()?.postMessage(msg, transfer);
}
