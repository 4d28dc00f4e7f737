// A slow, obviously-correct BPE trainer (CS336 §2.5, as the handout states the algorithm) to check the
// fast WASM trainer against: the GPT-2 regex from JavaScript's engine, special tokens split by a regex,
// and after every merge every pair count is recomputed from scratch. Same id layout as trainBpe. For
// small corpora only (tests); no streaming, no Workers, no incremental anything.
import type { Merges, Vocab } from "../../ts/train.ts";

const GPT2 = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** Pre-token counts: text split at special tokens (longest first), then the GPT-2 regex. */
export function referencePretokenCounts(text: string, specialTokens: readonly string[]): Map<string, number> {
  const byLength = [...specialTokens].sort((a, b) => b.length - a.length);
  const pieces = byLength.length ? text.split(new RegExp(byLength.map(escapeRegex).join("|"), "u")) : [text];
  const counts = new Map<string, number>();
  for (const piece of pieces) {
    for (const tok of piece.match(GPT2) ?? []) counts.set(tok, (counts.get(tok) ?? 0) + 1);
  }
  return counts;
}

export function referenceTrainBpe(
  text: string,
  vocabSize: number,
  specialTokens: readonly string[] = [],
): { vocab: Vocab; merges: Merges } {
  const enc = new TextEncoder();
  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const words: { ids: number[]; count: number }[] = [];
  for (const [w, count] of referencePretokenCounts(text, specialTokens)) words.push({ ids: [...enc.encode(w)], count });
  const merges: Merges = [];
  while (tokens.length + specialTokens.length < vocabSize) {
    const counts = new Map<string, number>();
    for (const { ids, count } of words) {
      for (let i = 0; i + 1 < ids.length; i++) {
        const key = `${ids[i]},${ids[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + count);
      }
    }
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [key, count] of counts) {
      const [a, b] = key.split(",").map(Number) as [number, number];
      const wins =
        best === null ||
        count > bestCount ||
        (count === bestCount &&
          (compareBytes(tokens[a] as Uint8Array, tokens[best[0]] as Uint8Array) ||
            compareBytes(tokens[b] as Uint8Array, tokens[best[1]] as Uint8Array)) > 0);
      if (wins) {
        best = [a, b];
        bestCount = count;
      }
    }
    if (best === null) break;
    const [a, b] = best;
    const ta = tokens[a] as Uint8Array;
    const tb = tokens[b] as Uint8Array;
    const id = tokens.length;
    tokens.push(Uint8Array.from([...ta, ...tb]));
    merges.push([ta, tb]);
    for (const w of words) {
      const out: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (i + 1 < w.ids.length && w.ids[i] === a && w.ids[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w.ids[i] as number);
      }
      w.ids = out;
    }
  }
  for (const s of specialTokens) tokens.push(enc.encode(s));
  return { vocab: new Map(tokens.map((t, i) => [i, t])), merges };
}
