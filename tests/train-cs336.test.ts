// CS336's `test_train_bpe` reproduced: corpus.en, vocab 500, `<|endoftext|>`; merges identical in order
// and the vocab's values identical as a set (ids differ by design: CS336's fixture lists the special
// first, we put it last). Runs through the adapter (tests/adapters.ts: runTrainBpe).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";
import { loadVocabMerges } from "@cs336-ts/tokenizer";
import { runTrainBpe } from "./adapters.ts";

const corpus = sharedFile("fixtures/cs336/corpus.en");
const refMerges = sharedFile("fixtures/cs336/train-bpe-reference-merges.txt");
const refVocab = sharedFile("fixtures/cs336/train-bpe-reference-vocab.json");
const have = corpus && refMerges && refVocab;
if (!have) console.warn(missingMessage("fixtures/cs336/corpus.en"));

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test.skipIf(!have)("corpus.en, vocab 500: merges and vocab values match CS336's reference", async () => {
  const t0 = performance.now();
  const { vocab, merges } = await runTrainBpe(corpus as string, 500, ["<|endoftext|>"]);
  const ms = performance.now() - t0;
  const ref = loadVocabMerges(refVocab as string, refMerges as string, ["<|endoftext|>"]);
  expect(
    readFileSync(refMerges as string, "utf8")
      .split("\n")
      .filter(Boolean).length,
  ).toBe(243);
  expect(merges.map(([a, b]) => `${hex(a)} ${hex(b)}`)).toEqual(ref.merges.map(([a, b]) => `${hex(a)} ${hex(b)}`));
  expect(vocab.size).toBe(500);
  expect(new Set([...vocab.values()].map(hex))).toEqual(new Set([...ref.vocab.values()].map(hex)));
  expect(ms).toBeLessThan(1500); // CS336's own bound for this test
});
