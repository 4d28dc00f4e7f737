// Per-worker pre-tokenization + counting speed of the WASM build under Bun: one instance in this thread
// counts FILE in 8 MiB chunks (as one train-bpe Worker does), best of N runs. Several .wasm files may be
// given to compare builds on the same (shared, noisy) machine: runs alternate between them, so a burst of
// load from other processes hits every build alike.
// With --merges M it also times the merge phase once per build: building the trainer from the counts,
// then M merges. Usage: bun packages/tokenizer-rs/examples/wasm-pretok-bench.ts FILE [--reps N]
// [--merges M] [WASM…]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

type Ex = {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  dealloc(ptr: number, len: number): void;
  counter_new(ptr: number, len: number): number;
  counter_add_text(counter: number, ptr: number, len: number, base: number): number;
  counter_free(counter: number): number;
  trainer_new(counter: number): number;
  trainer_step(trainer: number, max: number): number;
  trainer_free(trainer: number): number;
  pretokenize_ends(ptr: number, len: number): number;
};

const CHUNK = 8 << 20;
const args = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : undefined;
};
const reps = flag("--reps") ?? 3;
const merges = flag("--merges") ?? 0;
const rest = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const [file, ...wasmPaths] = rest;
if (!file) {
  console.error("usage: bun examples/wasm-pretok-bench.ts FILE [--reps N] [WASM…]");
  process.exit(2);
}
if (wasmPaths.length === 0) wasmPaths.push(fileURLToPath(new URL("../dist/tokenizer.wasm", import.meta.url)));
const data = readFileSync(file);
// The special-token list as the counter expects it: u32 LE length + bytes.
const special = new TextEncoder().encode("<|endoftext|>");
const list = new Uint8Array(4 + special.length);
new DataView(list.buffer).setUint32(0, special.length, true);
list.set(special, 4);

/** Chunk ends at the last newline before CHUNK bytes: a safe cut for the pattern and for UTF-8. */
function chunkEnds(): number[] {
  const ends: number[] = [];
  let pos = 0;
  while (pos < data.length) {
    let end = Math.min(pos + CHUNK, data.length);
    if (end < data.length) end = data.lastIndexOf(0x0a, end - 1) + 1 || end;
    ends.push(end);
    pos = end;
  }
  return ends;
}

type Bench = {
  name: string;
  memoryMb: () => number;
  scan: () => void;
  count: (keep?: boolean) => number;
  train: () => string;
  best: { scan: number; count: number };
};

function load(wasmPath: string): Bench {
  const mod = new WebAssembly.Module(readFileSync(wasmPath));
  const ex = new WebAssembly.Instance(mod, {}).exports as unknown as Ex;
  const put = (b: Uint8Array): number => {
    const p = ex.alloc(b.length);
    new Uint8Array(ex.memory.buffer, p, b.length).set(b);
    return p;
  };
  const ends = chunkEnds();
  const scan = () => {
    let pos = 0;
    for (const end of ends) {
      const p = put(data.subarray(pos, end));
      if (ex.pretokenize_ends(p, end - pos) < 0) throw new Error("pretokenize_ends failed");
      ex.dealloc(p, end - pos);
      pos = end;
    }
  };
  let kept = 0;
  const count = (keep = false) => {
    const lp = put(list);
    const c = ex.counter_new(lp, list.length);
    ex.dealloc(lp, list.length);
    let pos = 0;
    let distinct = 0;
    for (const end of ends) {
      const p = put(data.subarray(pos, end));
      distinct = ex.counter_add_text(c, p, end - pos, pos);
      if (distinct < 0) throw new Error("counter_add_text failed");
      ex.dealloc(p, end - pos);
      pos = end;
    }
    if (keep) kept = c;
    else ex.counter_free(c);
    return distinct;
  };
  const train = () => {
    count(true);
    let t0 = performance.now();
    const t = ex.trainer_new(kept);
    const built = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const done = ex.trainer_step(t, merges);
    const stepped = (performance.now() - t0) / 1000;
    ex.trainer_free(t);
    ex.counter_free(kept);
    return `trainer_new ${built.toFixed(3)} s, ${done} merges ${stepped.toFixed(3)} s`;
  };
  const inf = Number.POSITIVE_INFINITY;
  const memoryMb = () => ex.memory.buffer.byteLength / 1e6;
  return { name: wasmPath, memoryMb, scan, count, train, best: { scan: inf, count: inf } };
}

const benches = wasmPaths.map(load);
const distinct = benches.map(() => 0);
for (let r = 0; r < reps; r++) {
  benches.forEach((b, i) => {
    let t0 = performance.now();
    b.scan();
    b.best.scan = Math.min(b.best.scan, (performance.now() - t0) / 1000);
    t0 = performance.now();
    distinct[i] = b.count();
    b.best.count = Math.min(b.best.count, (performance.now() - t0) / 1000);
  });
}
const mb = data.length / 1e6;
benches.forEach((b, i) => {
  console.log(
    `${b.name}: scan+ends ${(mb / b.best.scan).toFixed(1)} MB/s, split+scan+count ` +
      `${(mb / b.best.count).toFixed(1)} MB/s (${distinct[i]} distinct; best of ${reps}; WASM memory ` +
      `${b.memoryMb().toFixed(0)} MB)`,
  );
});
if (merges > 0) for (const b of benches) console.log(`${b.name}: ${b.train()}`);
