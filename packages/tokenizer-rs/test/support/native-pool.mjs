// Run by `node` from test/native.test.ts: the addon's file-range tasks under Node, on the addon's own
// threads rather than libuv's pool. `node native-pool.mjs <json>`; the JSON names the addon, a rank file, the
// file to encode, its planned ranges, a FIFO path and the mode. Prints one JSON line with what it saw.
import { closeSync, open, openSync, readdirSync, readFileSync, stat, truncateSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";

const args = JSON.parse(process.argv[2]);
const native = createRequire(import.meta.url)(args.addon);
const encoder = native.Encoder.fromRankFile(readFileSync(args.ranks), [args.eot], Uint32Array.of(args.eotId), "ranks");
const none = new Uint8Array(0);

if (args.mode === "exit") {
  // Tasks in flight when the process exits: it must exit with this code, neither crash nor wait for them.
  // `busyMs` holds the JS thread first, so that the tasks are mid-encode rather than queued.
  for (let i = 0; i < 8; i++) encoder.encodeFileRange(args.file, 0, args.size, none);
  for (const until = Date.now() + args.busyMs; Date.now() < until; );
  process.exit(0);
}

if (args.mode === "shrink") {
  // The file is cut to `cut` bytes while its ranges are being encoded: each range either reads whole (and
  // encodes) or fails with an error naming the file, and the process lives on (a mapped range would fault).
  const calls = args.ranges.map((r) =>
    encoder.encodeFileRange(args.file, r.start, r.end, none).then(
      () => "ok",
      (e) => e.message,
    ),
  );
  for (const until = Date.now() + args.busyMs; Date.now() < until; );
  truncateSync(args.file, args.cut);
  console.log(JSON.stringify(await Promise.all(calls)));
  process.exit(0);
}

/** The names of this process's threads that carry `name`, counted. */
function threadsNamed(name) {
  return readdirSync("/proc/self/task").filter((t) => {
    try {
      return readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim() === name;
    } catch {
      return false; // a thread that ended meanwhile
    }
  }).length;
}

// UV_THREADPOOL_SIZE=1 (set by the caller) and that one libuv thread held by an open of a FIFO nobody
// writes: libuv can run nothing else until the FIFO is opened for writing below. A stat queued behind it
// shows that the pool really is held while the encodes run.
let fifoFd;
let statDone = false;
const fifoOpened = new Promise((resolve, reject) =>
  open(args.fifo, "r", (e, fd) => {
    if (e) reject(e);
    fifoFd = fd;
    resolve();
  }),
);
const statted = new Promise((resolve) =>
  stat(args.file, () => {
    statDone = true;
    resolve();
  }),
);
const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ error: "the encodes did not finish while libuv's only thread was busy" }));
  closeSync(openSync(args.fifo, "w")); // Node joins libuv's threads on exit: free that one first
  process.exit(1);
}, 30_000);

const parts = await Promise.all(args.ranges.map((r) => encoder.encodeFileRange(args.file, r.start, r.end, none)));
const statBeforeEncodes = statDone;
const poolThreads = threadsNamed("cs336-tokenize");
clearTimeout(watchdog);
closeSync(openSync(args.fifo, "w")); // lets the libuv thread's open return
await fifoOpened;
closeSync(fifoFd);
await statted;
console.log(
  JSON.stringify({
    ids: parts.flatMap((p) => [...p]),
    inFlight: args.ranges.length,
    statBeforeEncodes,
    poolThreads,
    availableParallelism: availableParallelism(),
  }),
);
