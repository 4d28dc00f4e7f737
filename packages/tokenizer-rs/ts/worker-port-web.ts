// worker-port.ts in the browser build: inside a module Web Worker, the thread that started it is the
// global scope's postMessage and message events.
type Scope = {
  postMessage(msg: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: "message", fn: (e: MessageEvent) => void): void;
};

/** Inside a Worker: handle messages from the thread that started it. */
export function onParentMessage<In>(handler: (msg: In) => void): void {
  (globalThis as unknown as Scope).addEventListener("message", (e) => handler(e.data as In));
}

/** Inside a Worker: send a message to the thread that started it. */
export function toParent<Out>(msg: Out, transfer: ArrayBuffer[] = []): void {
  (globalThis as unknown as Scope).postMessage(msg, transfer);
}
