// The Node-API addon (scripts/build-native.sh, opt-in) against the WASM build: the same merges on the
// training conformance corpora and the same ids for GPT-2 from tiktoken's ranks and from CS336's
// vocab.json/merges.txt; in child processes (support/native-pool.mjs), its file-range tasks under Node with
// libuv's pool held, processes exiting with tasks in flight, and a file cut short under them. Skipped, with how to build it, when native/
// holds no addon for this platform.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";
import { planRanges } from "../ts/encode-ranges.ts";
import type { NativeAddon, NativeCounter, NativeEncoder } from "../ts/native-load.ts";
import { allowedTokens, resolvePolicy, type SpecialOptions } from "../ts/special-policy.ts";
import { type Tokenizer, tokenizerOn } from "../ts/tokenizer.ts";
import { trainBpeOn } from "../ts/train.ts";
import { CORPORA } from "./support/train-corpora.ts";

const addon = join(import.meta.dir, "..", "native", `tokenizer.${process.platform}-${process.arch}-gnu.node`);
const present = existsSync(addon);
if (!present)
  console.warn(`native addon not built (${addon}): run \`bash packages/tokenizer-rs/scripts/build-native.sh\``);
const native = (present ? createRequire(import.meta.url)(addon) : undefined) as NativeAddon;
const enc = new TextEncoder();
// The peer is WASM whatever CS336_TOKENIZER_BACKEND says (auto would pick this very addon).
const wasmTokenizer = tokenizerOn("wasm");
const EOT = "<|endoftext|>";

/** Native merges (id pairs) as byte pairs: ids 0..=255 are bytes, merge i makes id 256 + i. */
function mergeBytes(ids: Uint32Array): [number[], number[]][] {
  const tokens: number[][] = Array.from({ length: 256 }, (_, b) => [b]);
  const out: [number[], number[]][] = [];
  for (let i = 0; i < ids.length; i += 2) {
    const a = tokens[ids[i] ?? 0] ?? [];
    const b = tokens[ids[i + 1] ?? 0] ?? [];
    out.push([a, b]);
    tokens.push([...a, ...b]);
  }
  return out;
}

/** Native encodePrefix driven as a stream: `step`-byte chunks, the unconsumed tail carried into the next. */
function nativeStream(n: NativeEncoder, bytes: Uint8Array, step: number, policy: Uint8Array): number[] {
  const out: number[] = [];
  let carry = new Uint8Array(0);
  let base = 0;
  for (let pos = 0; pos < bytes.length; pos += step) {
    const buf = new Uint8Array(carry.length + Math.min(step, bytes.length - pos));
    buf.set(carry);
    buf.set(bytes.subarray(pos, pos + step), carry.length);
    const r = n.encodePrefix(buf, policy, false, base);
    expect(r.consumed).toBeLessThanOrEqual(buf.length);
    out.push(...r.ids);
    carry = buf.slice(r.consumed);
    base += r.consumed;
  }
  const r = n.encodePrefix(carry, policy, true, base);
  expect(r.consumed).toBe(carry.length);
  out.push(...r.ids);
  return out;
}

/** The WASM tokenizer's stream over the same chunks, its ids concatenated. */
function wasmStream(t: Tokenizer, bytes: Uint8Array, step: number, opts?: SpecialOptions): number[] {
  const s = t.stream(opts);
  const out: number[] = [];
  for (let pos = 0; pos < bytes.length; pos += step) out.push(...s.pushBytes(bytes.slice(pos, pos + step)));
  out.push(...s.finish());
  return out;
}

/** Every text through encodeBatch, encodePrefix (whole and streamed) and encode, native against WASM. */
function expectSameEncodings(n: NativeEncoder, wasm: Tokenizer, texts: readonly string[], specials: string[]) {
  const bytes = texts.map((t) => enc.encode(t));
  const ends = new Uint32Array(bytes.length);
  let total = 0;
  bytes.forEach((b, i) => {
    total += b.length;
    ends[i] = total;
  });
  const policies: (SpecialOptions | undefined)[] = [undefined, { allowedSpecial: [] }, { allowedSpecial: "all" }];
  for (const opts of policies) {
    const policy = resolvePolicy(specials, opts);
    const want = wasm.encodeBatch(texts, opts);
    const batch = n.encodeBatch(concatBytes(bytes), ends, policy);
    let sum = 0;
    const wantEnds = want.map((ids) => {
      sum += ids.length;
      return sum;
    });
    expect([...batch.ends]).toEqual(wantEnds);
    expect([...batch.ids]).toEqual(want.flatMap((ids) => [...ids]));
    bytes.forEach((b, i) => {
      const whole = n.encodePrefix(b, policy, true, 0);
      expect(whole.consumed).toBe(b.length);
      expect([...whole.ids]).toEqual([...(want[i] ?? [])]);
      for (const step of [1 << 12, 37]) {
        if (step < 1000 && b.length > 20_000) continue; // tiny chunks over a long text only repeat the 4 KiB case slowly
        expect(nativeStream(n, b, step, policy)).toEqual(wasmStream(wasm, b, step, opts));
      }
    });
  }
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Runs `jobs` with at most `k` in flight; results in job order. */
async function inFlight<T>(jobs: (() => Promise<T>)[], k: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: k }, lane));
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "native-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!present)("native addon matches WASM", () => {
  for (const c of CORPORA) {
    test(`merges: ${c.name}`, async () => {
      const wasm = await trainBpeOn("wasm", {
        input: enc.encode(c.text),
        vocabSize: c.vocab,
        specialTokens: c.specials,
        workers: 0,
      });
      const counter = new native.Counter(c.specials);
      counter.addText(enc.encode(c.text), 0);
      expect(counter.len).toBeGreaterThan(0);
      const trainer = new native.Trainer(counter);
      expect(counter.len).toBe(0); // the trainer took the counts
      const want = c.vocab - 256 - c.specials.length;
      expect(trainer.step(want)).toBe(want);
      expect(mergeBytes(trainer.merges())).toEqual(wasm.merges.map(([a, b]) => [[...a], [...b]]));
    });
  }

  for (const c of CORPORA) {
    test(`merges from countFileRange over planned ranges into 1-4 counters, absorbed: ${c.name}`, async () => {
      const path = join(dir, "train.txt");
      writeFileSync(path, c.text);
      const size = enc.encode(c.text).length;
      const specials = c.specials.map((t) => enc.encode(t));
      const ranges = planRanges(path, size, Math.ceil(size / 12), specials);
      expect(ranges.length).toBeGreaterThan(4);
      const wasm = await trainBpeOn("wasm", {
        input: enc.encode(c.text),
        vocabSize: c.vocab,
        specialTokens: c.specials,
        workers: 0,
      });
      const want = wasm.merges.map(([a, b]): [number[], number[]] => [[...a], [...b]]);
      const merges = (counter: NativeCounter) => {
        const trainer = new native.Trainer(counter);
        trainer.step(c.vocab - 256 - c.specials.length);
        return mergeBytes(trainer.merges());
      };
      for (const k of [1, 2, 3, 4]) {
        // Counter i takes ranges i, i + k, ...: one call in flight per counter, k at once.
        const counters = Array.from({ length: k }, () => new native.Counter(c.specials));
        await Promise.all(
          counters.map(async (counter, i) => {
            for (let r = i; r < ranges.length; r += k) {
              const range = ranges[r] as { start: number; end: number };
              expect(await counter.countFileRange(path, range.start, range.end)).toBe(counter.len);
            }
          }),
        );
        const [into, ...rest] = counters as [NativeCounter, ...NativeCounter[]];
        for (const other of rest) {
          expect(into.absorb(other)).toBe(into.len);
          expect(other.len).toBe(0);
        }
        expect(merges(into)).toEqual(want);
      }
      // Every range at once on one counter: the calls wait for each other and nothing is lost.
      const one = new native.Counter(c.specials);
      await Promise.all(ranges.map((r) => one.countFileRange(path, r.start, r.end)));
      expect(merges(one)).toEqual(want);
    });
  }

  test("countFileRange and absorb errors", async () => {
    const counter = new native.Counter([EOT]);
    const missing = join(dir, "no-such-corpus.txt");
    await expect(counter.countFileRange(missing, 0, 1)).rejects.toThrow(
      `input: cannot read ${missing}: file not found`,
    );
    const path = join(dir, "bad-corpus.txt");
    writeFileSync(path, Buffer.concat([Buffer.from("ab ".repeat(100)), Buffer.of(0xc3), Buffer.from(" z")]));
    await expect(counter.countFileRange(path, 0, 400)).rejects.toThrow(
      /^input: .*ends past the file's end \(303 bytes\)/,
    );
    await expect(counter.countFileRange(path, 150, 303)).rejects.toThrow(
      new RegExp(`^invalid_utf8: ${path}: .*byte offset 300\\b`),
    );
    expect(counter.len).toBe(0);
    expect(await counter.countFileRange(path, 0, 300)).toBe(3); // "ab", " ab" and the last " "
    expect(() => counter.absorb(counter)).toThrow(/^internal: a counter cannot absorb itself/);
    expect(counter.len).toBe(3);
  });

  const texts = [
    ...CORPORA.map((c) => c.text),
    "Hello, world! It's 2024. héllo 日本語 🙂  \r\n\n end",
    ...["address.txt", "german.txt", "tinystories_sample.txt"].map((f) => {
      const p = sharedFile(`fixtures/cs336/${f}`);
      return p ? readFileSync(p, "utf8") : "";
    }),
  ];

  test("ids: GPT-2 from tiktoken's ranks", () => {
    const ranks = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
    const wasm = wasmTokenizer.fromFiles({ tiktoken: ranks, specialTokens: { [EOT]: 50256 } });
    const n = native.Encoder.fromRankFile(readFileSync(ranks), [EOT], Uint32Array.of(50256), "gpt2.json");
    for (const t of texts) {
      const ids = n.encode(enc.encode(t));
      expect([...ids]).toEqual([...wasm.encode(t)]);
      expect(new TextDecoder().decode(n.decode(ids))).toBe(t);
    }
    expectSameEncodings(n, wasm, [...texts, `a${EOT}b`, ""], [EOT]);
  });

  test("encodePrefix errors: disallowed special, invalid UTF-8 at its absolute offset, a bad batch", () => {
    const ranks = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
    const n = native.Encoder.fromRankFile(readFileSync(ranks), [EOT], Uint32Array.of(50256), "gpt2.json");
    const disallow = resolvePolicy([EOT], { disallowedSpecial: "all" });
    expect(() => n.encodePrefix(enc.encode(`x${EOT}`), disallow, true, 0)).toThrow(/^disallowed_special: /);
    const bad = Uint8Array.of(0x61, 0x62, 0xff, 0x63);
    expect(() => n.encodePrefix(bad, new Uint8Array(0), true, 1000)).toThrow(/^invalid_utf8: .*offset 1002\b/);
    // In a batch the offset counts from the start of the concatenation.
    const batch = concatBytes([enc.encode("hello"), bad]);
    expect(() => n.encodeBatch(batch, Uint32Array.of(5, 9), new Uint8Array(0))).toThrow(/offset 7\b/);
    expect(() => n.encodeBatch(batch, Uint32Array.of(5, 99), new Uint8Array(0))).toThrow(/^internal: /);
    expect(() => n.encodePrefix(bad, Uint8Array.of(1, 1), true, 0)).toThrow(/^internal: .*policy/);
  });

  test("encodeFileRange: planned ranges, 1 to 4 in flight, concatenate to the whole file's ids", async () => {
    const ranks = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
    const wasm = wasmTokenizer.fromFiles({ tiktoken: ranks, specialTokens: { [EOT]: 50256 } });
    const n = native.Encoder.fromRankFile(readFileSync(ranks), [EOT], Uint32Array.of(50256), "gpt2.json");
    const path = join(dir, "encode.txt");
    const text = texts.join(EOT).repeat(3);
    writeFileSync(path, text);
    const size = readFileSync(path).length;
    for (const opts of [undefined, { allowedSpecial: [] }] as (SpecialOptions | undefined)[]) {
      const policy = resolvePolicy([EOT], opts);
      const cutAt = allowedTokens([EOT], opts).map((t) => enc.encode(t));
      const ranges = planRanges(path, size, size >> 4, [enc.encode(EOT)], cutAt);
      expect(ranges.length).toBeGreaterThan(8);
      const want = [...wasm.encode(text, opts)];
      for (const k of [1, 2, 3, 4]) {
        const parts = await inFlight(
          ranges.map((r) => () => n.encodeFileRange(path, r.start, r.end, policy)),
          k,
        );
        expect(parts.flatMap((p) => [...p])).toEqual(want);
      }
    }
  });

  test("encodeFileRange reuses the id buffers of collected arrays: each range gets only its own ids", async () => {
    // A collected array's buffer is kept for the next range that fits it (SPARE_IDS in src/napi/encode.rs,
    // up to twice the size asked): a shorter range after a longer one must not see the longer one's ids.
    const ranks = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
    const wasm = wasmTokenizer.fromFiles({ tiktoken: ranks, specialTokens: { [EOT]: 50256 } });
    const n = native.Encoder.fromRankFile(readFileSync(ranks), [EOT], Uint32Array.of(50256), "gpt2.json");
    const files = [texts.join(" ").repeat(40), texts.join(" ").repeat(30)].map((text, i) => {
      const path = join(dir, `reuse-${i}.txt`);
      writeFileSync(path, text);
      return { path, size: Buffer.byteLength(text), want: [...wasm.encode(text)] };
    });
    for (let round = 0; round < 3; round++) {
      for (const f of files) {
        expect([...(await n.encodeFileRange(f.path, 0, f.size, new Uint8Array(0)))]).toEqual(f.want);
        Bun.gc(true);
      }
    }
  });

  test("encodeFileRange errors name the file: missing, past its end, invalid UTF-8 at the absolute offset", async () => {
    const ranks = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
    const n = native.Encoder.fromRankFile(readFileSync(ranks), [EOT], Uint32Array.of(50256), "gpt2.json");
    const none = new Uint8Array(0);
    const missing = join(dir, "no-such-file.txt");
    await expect(n.encodeFileRange(missing, 0, 1, none)).rejects.toThrow(
      `input: cannot read ${missing}: file not found`,
    );
    await expect(n.encodeFileRange(dir, 0, 1, none)).rejects.toThrow(/^input: .*is a directory/);
    const path = join(dir, "bad.txt");
    writeFileSync(path, Buffer.concat([Buffer.from("a".repeat(5000)), Buffer.of(0xff), Buffer.from(" tail")]));
    await expect(n.encodeFileRange(path, 10, 6000, none)).rejects.toThrow(
      new RegExp(`^input: ${path}: byte range \\[10, 6000\\) ends past the file's end \\(5006 bytes\\)`),
    );
    await expect(n.encodeFileRange(path, 4096, 5006, none)).rejects.toThrow(
      new RegExp(`^invalid_utf8: ${path}: .*byte offset 5000\\b`),
    );
    await expect(n.encodeFileRange(path, 5, 4, none)).rejects.toThrow(`internal: ${path}: [5, 4) is not a byte range`);
    expect([...(await n.encodeFileRange(path, 7, 7, none))]).toEqual([]);
    expect([...(await n.encodeFileRange(path, 4095, 4100, none))]).toEqual([...n.encode(enc.encode("aaaaa"))]);
  });

  test("a FIFO or a device given to encodeFileRange or countFileRange: an input error, no pool thread blocked", async () => {
    const ranks = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
    const n = native.Encoder.fromRankFile(readFileSync(ranks), [EOT], Uint32Array.of(50256), "gpt2.json");
    const counter = new native.Counter([EOT]);
    const fifo = join(dir, "range.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    for (const path of [fifo, "/dev/zero"]) {
      // Both settle handlers attached at once: a rejection arriving while the other call is awaited would
      // otherwise be an unhandled one.
      const calls = [n.encodeFileRange(path, 0, 10, new Uint8Array(0)), counter.countFileRange(path, 0, 10)].map(
        (call) =>
          call.then(
            () => "resolved",
            (e: Error) => e.message,
          ),
      );
      for (const [i, got] of calls.entries()) {
        // An open of a FIFO nobody writes blocks its thread: report that instead of waiting on it.
        const pending = new Promise<string>((r) => setTimeout(() => r("still pending after 5 s"), 5000).unref());
        const outcome = await Promise.race([got, pending]);
        if (outcome === "still pending after 5 s") closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        const want = `input: cannot read ${path}: not a regular file (a pipe, device or socket); save the text to a file and give that path`;
        expect({ path, call: i, outcome }).toEqual({ path, call: i, outcome: want });
      }
    }
  }, 30_000);

  // Under Node, napi's AsyncTask would run on libuv's pool: 4 threads by default, 1 here. The addon runs file
  // ranges on threads of its own, so more calls than libuv threads finish while libuv's only thread is held
  // (by an open of a FIFO that nobody writes until they are done), and the ids still equal a whole encode.
  // Were they on libuv's pool, the script's watchdog would fail the test after 30 s.
  const node = Bun.which("node");
  if (!node) console.warn("node is not on PATH: the addon's tests under Node are skipped");
  const script = join(import.meta.dir, "support", "native-pool.mjs");
  const ranksPath = createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json");
  const runScript = (runtime: string, args: Record<string, unknown>, env: Record<string, string> = {}) =>
    spawnSync(runtime, [script, JSON.stringify({ addon, ranks: ranksPath, eot: EOT, eotId: 50256, ...args })], {
      encoding: "utf8",
      env: { ...process.env, ...env },
      timeout: 60_000, // a process that hangs on exit fails here, not the suite
    });

  test.skipIf(!node)(
    "under Node: file ranges run on the addon's threads, not libuv's (UV_THREADPOOL_SIZE=1)",
    () => {
      const path = join(dir, "node-encode.txt");
      const text = texts.join(EOT).repeat(2);
      writeFileSync(path, text);
      const size = readFileSync(path).length;
      const ranges = planRanges(path, size, size >> 4, [enc.encode(EOT)], [enc.encode(EOT)]);
      expect(ranges.length).toBeGreaterThan(8);
      const fifo = join(dir, "libuv-holder.fifo");
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      const run = runScript(
        node ?? "node",
        { mode: "pool", file: path, size, ranges, fifo },
        { UV_THREADPOOL_SIZE: "1" },
      );
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const seen = JSON.parse(run.stdout) as {
        ids: number[];
        inFlight: number;
        statBeforeEncodes: boolean;
        poolThreads: number;
        availableParallelism: number;
      };
      expect(seen.statBeforeEncodes).toBe(false);
      expect(seen.inFlight).toBe(ranges.length);
      expect(seen.poolThreads).toBeGreaterThanOrEqual(1);
      expect(seen.poolThreads).toBeLessThanOrEqual(seen.availableParallelism);
      const wasm = wasmTokenizer.fromFiles({ tiktoken: ranksPath, specialTokens: { [EOT]: 50256 } });
      expect(seen.ids).toEqual([...wasm.encode(text, { allowedSpecial: "all" })]);
    },
    90_000,
  );

  test("a process that exits with 8 encodeFileRange calls in flight exits with its code, under Node and Bun", () => {
    const path = join(dir, "exit-encode.txt");
    const one = texts.join(EOT);
    writeFileSync(path, one.repeat(Math.ceil((4 << 20) / one.length))); // 4 MB: the calls outlast busyMs
    const size = readFileSync(path).length;
    const runtimes = [process.execPath, ...(node ? [node] : [])];
    for (const runtime of runtimes) {
      for (const busyMs of [0, 0, 20, 20]) {
        const run = runScript(runtime, { mode: "exit", file: path, size, busyMs });
        expect({ runtime, busyMs, status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({
          runtime,
          busyMs,
          status: 0,
          signal: null,
          stderr: "",
        });
      }
    }
  }, 60_000);

  test("a file cut short while its ranges are encoded: each range encodes whole or fails naming the file", () => {
    // Ranges are read into memory before they are encoded, so the cut is an error; a memory-mapped range
    // would kill the process with SIGBUS instead. The cut lands at a few moments into the first ranges.
    const path = join(dir, "shrinking.txt");
    for (const busyMs of [0, 2, 5, 10]) {
      writeFileSync(path, texts.join(EOT).repeat(1 + Math.ceil((24 << 20) / texts.join(EOT).length)));
      const size = readFileSync(path).length;
      const ranges = planRanges(path, size, 2 << 20, [enc.encode(EOT)], [enc.encode(EOT)]);
      const run = runScript(process.execPath, { mode: "shrink", file: path, size, ranges, busyMs, cut: 1000 });
      expect({ busyMs, status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({
        busyMs,
        status: 0,
        signal: null,
        stderr: "",
      });
      const outcomes = JSON.parse(run.stdout) as string[];
      expect(outcomes).toHaveLength(ranges.length);
      for (const o of outcomes) {
        if (o !== "ok")
          expect(o).toMatch(new RegExp(`^input: ${path}: (byte range .* ends past|the file shrank while)`));
      }
      expect(outcomes.at(-1)).not.toBe("ok");
    }
  }, 60_000);

  const vocab = sharedFile("fixtures/cs336/gpt2_vocab.json");
  const merges = sharedFile("fixtures/cs336/gpt2_merges.txt");
  if (!vocab || !merges) console.warn(missingMessage("fixtures/cs336/gpt2_vocab.json"));
  test.skipIf(!vocab || !merges)("ids: GPT-2 from CS336's vocab.json and merges.txt", () => {
    const v = vocab ?? "";
    const m = merges ?? "";
    const wasm = wasmTokenizer.fromFiles({ vocab: v, merges: m, specialTokens: [EOT] });
    const n = native.Encoder.fromGpt2Files(readFileSync(v), readFileSync(m), [EOT], v, m);
    for (const t of texts) expect([...n.encode(enc.encode(t))]).toEqual([...wasm.encode(t)]);
    expectSameEncodings(n, wasm, [...texts, `${EOT}${EOT} x${EOT}`], [EOT]);
  });
});
