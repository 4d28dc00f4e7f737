// A turn of the event loop between batches of synchronous WASM work, so signal handlers, timers, I/O and
// (in a page) rendering and input can run. Node, Bun and Deno have setImmediate; browsers have none,
// and a MessageChannel message is their nearest equivalent (setTimeout(0) is clamped to 4 ms once nested).

/** Resolves after the event loop has had a turn. */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise<void>((res) => setImmediate(res));
  return new Promise<void>((res) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      res();
    };
    channel.port2.postMessage(null);
  });
}
