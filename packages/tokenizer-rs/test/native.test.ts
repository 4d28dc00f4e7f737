// The Node-API addon (scripts/build-native.sh, opt-in) against the WASM build: the same merges on the
// training conformance corpora and the same ids for GPT-2 from tiktoken's ranks and from CS336's
// vocab.json/merges.txt. Skipped, with how to build it, when native/ holds no addon for this platform.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { missingMessage, sharedFile } from "@cs336-ts/testkit";
import { Tokenizer } from "../ts/tokenizer.ts";
import { trainBpe } from "../ts/train.ts";
import { CORPORA } from "./support/train-corpora.ts";

type NativeCounter = { addText(chunk: Uint8Array, base: number): number };
type NativeEncoder = { encode(text: Uint8Array): Uint32Array; decode(ids: Uint32Array): Uint8Array };
type Native = {
  Counter: new (specials: string[]) => NativeCounter;
  Trainer: new (counter: NativeCounter) => { step(max: number): number; merges(): Uint32Array };
  Encoder: {
    fromRankFile(text: Uint8Array, specials: string[], ids: Uint32Array, name: string): NativeEncoder;
    fromGpt2Files(vocab: Uint8Array, merges: Uint8Array, specials: string[], v: string, m: string): NativeEncoder;
  };
};

const addon = join(import.meta.dir, "..", "native", `tokenizer.${process.platform}-${process.arch}-gnu.node`);
const present = existsSync(addon);
if (!present)
  console.warn(`native addon not built (${addon}): run \`bash packages/tokenizer-rs/scripts/build-native.sh\``);
const native = (present ? createRequire(import.meta.url)(addon) : undefined) as Native;
const enc = new TextEncoder();
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

describe.skipIf(!present)("native addon matches WASM", () => {
  for (const c of CORPORA) {
    test(`merges: ${c.name}`, async () => {
      const wasm = await trainBpe({
        input: enc.encode(c.text),
        vocabSize: c.vocab,
        specialTokens: c.specials,
        workers: 0,
      });
      const counter = new native.Counter(c.specials);
      counter.addText(enc.encode(c.text), 0);
      const trainer = new native.Trainer(counter);
      const want = c.vocab - 256 - c.specials.length;
      expect(trainer.step(want)).toBe(want);
      expect(mergeBytes(trainer.merges())).toEqual(wasm.merges.map(([a, b]) => [[...a], [...b]]));
    });
  }

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
    const wasm = Tokenizer.fromFiles({ tiktoken: ranks, specialTokens: { [EOT]: 50256 } });
    const n = native.Encoder.fromRankFile(readFileSync(ranks), [EOT], Uint32Array.of(50256), "gpt2.json");
    for (const t of texts) {
      const ids = n.encode(enc.encode(t));
      expect([...ids]).toEqual([...wasm.encode(t)]);
      expect(new TextDecoder().decode(n.decode(ids))).toBe(t);
    }
  });

  const vocab = sharedFile("fixtures/cs336/gpt2_vocab.json");
  const merges = sharedFile("fixtures/cs336/gpt2_merges.txt");
  if (!vocab || !merges) console.warn(missingMessage("fixtures/cs336/gpt2_vocab.json"));
  test.skipIf(!vocab || !merges)("ids: GPT-2 from CS336's vocab.json and merges.txt", () => {
    const v = vocab ?? "";
    const m = merges ?? "";
    const wasm = Tokenizer.fromFiles({ vocab: v, merges: m, specialTokens: [EOT] });
    const n = native.Encoder.fromGpt2Files(readFileSync(v), readFileSync(m), [EOT], v, m);
    for (const t of texts) expect([...n.encode(enc.encode(t))]).toEqual([...wasm.encode(t)]);
  });
});
