// trainBpe's counting and merge loop on the Node-API addon: each input file is planned into ranges at safe
// cuts (encode-ranges.ts planRanges with every special token a cut point, so no pre-token crosses a range),
// N native counters each count one range at a time (read into memory) on the addon's thread pool, the next
// range going to whichever finishes first; their counts are absorbed into one and a native Trainer runs the
// merges. Counts are sums, so the merges do not depend on N. Bytes input is counted here with addText.
import { planRanges } from "./encode-ranges.ts";
import { callNative, fromNative, TokenizerError } from "./errors.ts";
import { type NativeCounter, nativeAddon } from "./native-load.ts";
import type { TrainBpeOptions, TrainStats } from "./train.ts";
import { runMerges } from "./train-merge-loop.ts";

/** An input as train.ts `sources` checked it: a file's path and size, or the bytes themselves. */
export type TrainSource = { name: string; size: number; data?: Uint8Array };

type Range = { path: string; start: number; end: number };

const MiB = 1 << 20;

/** The training special-token rule of the core (empty, repeated, one byte): throws its error. */
export function checkNativeSpecials(specials: string[]): void {
  callNative(() => nativeAddon().checkTrainingSpecials(specials));
}

/**
 * A counter failure naming the file it is in, as the WASM path words it; the addon names it already in
 * most ("P: ...", "cannot read P: ...").
 */
function inFile(e: unknown, path: string): unknown {
  const err = fromNative(e);
  if (!(err instanceof TokenizerError) || err.message.includes(path)) return err;
  return new TokenizerError(`${path}: ${err.message}`, err.code);
}

/**
 * Counts `ranges` with `counters`, each at most one range in flight. A failed range stops the dispatch;
 * once nothing is in flight the earliest failed range's error is thrown, so its offset is the input's
 * first bad byte whichever counter failed first. A throwing `progress` rejects at once.
 */
function countRanges(counters: NativeCounter[], ranges: Range[], progress: (n: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const errors = new Map<number, unknown>();
    let next = 0;
    let running = 0;
    let settled = false;
    const feed = (c: NativeCounter) => {
      if (settled) return;
      if (errors.size > 0 || next >= ranges.length) {
        if (running > 0) return;
        settled = true;
        if (errors.size > 0) reject(errors.get(Math.min(...errors.keys())));
        else resolve();
        return;
      }
      const index = next++;
      const r = ranges[index] as Range;
      running++;
      c.countFileRange(r.path, r.start, r.end).then(
        () => {
          running--;
          if (settled) return;
          // The caller's onProgress throws into this Promise's handler, not to the caller: report it.
          try {
            progress(r.end - r.start);
          } catch (e) {
            settled = true;
            return reject(e);
          }
          feed(c);
        },
        (e: unknown) => {
          running--;
          errors.set(index, inFile(e, r.path));
          feed(c);
        },
      );
    };
    for (const c of counters) feed(c);
  });
}

/**
 * Counts and merges on the addon: the merges as (left, right) id pairs. `workers` native counters (0
 * counts with one); `seconds` is the training clock.
 */
export async function trainMergesNative(
  opts: TrainBpeOptions,
  specials: string[],
  srcs: TrainSource[],
  workers: number,
  seconds: () => number,
): Promise<{ ids: Uint32Array; stats: TrainStats }> {
  const addon = nativeAddon();
  const bytesTotal = srcs.reduce((n, s) => n + s.size, 0);
  const enc = new TextEncoder();
  const specialBytes = specials.map((s) => enc.encode(s));
  const threads = Math.max(1, workers);
  // Several ranges per counter, so one slow range does not leave the others idle at the end.
  const target = opts.chunkBytes ?? Math.min(8 * MiB, Math.max(MiB, Math.ceil(bytesTotal / (threads * 4))));
  const ranges: Range[] = srcs.flatMap((s) =>
    s.data ? [] : planRanges(s.name, s.size, target, specialBytes).map((r) => ({ path: s.name, ...r })),
  );
  const counters = Array.from({ length: Math.max(1, Math.min(threads, ranges.length)) }, () =>
    callNative(() => new addon.Counter(specials)),
  );
  let bytesDone = 0;
  const progress = (n: number) => {
    bytesDone += n;
    opts.onProgress?.({ phase: "pretokenize", bytesDone, bytesTotal, seconds: seconds() });
  };
  const main = counters[0] as NativeCounter;
  for (const s of srcs) {
    if (!s.data) continue;
    callNative(() => main.addText(s.data as Uint8Array, 0));
    progress(s.size);
  }
  await countRanges(counters, ranges, progress);
  for (const c of counters.slice(1)) main.absorb(c);
  const distinctPretokens = main.len;
  const pretokenizeSeconds = seconds();
  const trainer = new addon.Trainer(main);
  await runMerges((max) => trainer.step(max), opts.vocabSize, specials.length, seconds, opts.onProgress);
  const ids = trainer.merges();
  const used = ranges.length === 0 ? 0 : Math.min(workers, ranges.length);
  return {
    ids,
    stats: {
      bytes: bytesTotal,
      workers: used,
      distinctPretokens,
      pretokenizeSeconds,
      mergeSeconds: seconds() - pretokenizeSeconds,
    },
  };
}
