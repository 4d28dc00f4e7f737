// Conformance: the WASM trainer (trainBpe, in-thread and with Workers) and the slow reference trainer
// (test/support/reference-trainer.ts) must produce identical merges and vocabularies on corpora that stress the
// pre-tokenizer and tie-breaking: special tokens, Unicode, digits, whitespace runs, CRLF.
import { describe, expect, test } from "bun:test";
import { type Merges, trainBpe, type Vocab } from "../ts/train.ts";
import { referenceTrainBpe } from "./support/reference-trainer.ts";
import { CORPORA } from "./support/train-corpora.ts";

const enc = new TextEncoder();

function same(a: { vocab: Vocab; merges: Merges }, b: { vocab: Vocab; merges: Merges }): void {
  expect(a.merges.map(([x, y]) => [[...x], [...y]])).toEqual(b.merges.map(([x, y]) => [[...x], [...y]]));
  expect([...a.vocab].map(([i, t]) => [i, [...t]])).toEqual([...b.vocab].map(([i, t]) => [i, [...t]]));
}

describe("trainBpe matches the reference trainer", () => {
  for (const c of CORPORA) {
    test(c.name, async () => {
      const want = referenceTrainBpe(c.text, c.vocab, c.specials);
      expect(want.merges.length).toBe(c.vocab - 256 - c.specials.length);
      const here = await trainBpe({
        input: enc.encode(c.text),
        vocabSize: c.vocab,
        specialTokens: c.specials,
        workers: 0,
      });
      same(here, want);
      const parallel = await trainBpe({
        input: enc.encode(c.text),
        vocabSize: c.vocab,
        specialTokens: c.specials,
        workers: 2,
        chunkBytes: 257,
      });
      same(parallel, want);
    });
  }
});
