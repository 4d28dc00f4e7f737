// Generation loop against test doubles (no ONNX): greedy equals argmax chains, end-of-text stops without
// being emitted, the context handed to the model is the last T ids (however long the run; nothing is sized
// by max-tokens), seeds replay, a KV cache is prefilled once and fed one id per step until the window slides,
// and UTF-8 characters split across tokens stream out whole. The ONNX-backed paths: generate-kv.test.ts and
// tests/e2e.test.ts.
import { describe, expect, test } from "bun:test";
import { Rng } from "@cs336-ts/model";
import { type CachedContext, generate, generateText, type NextTokenModel } from "../src/inference/generate.ts";
import { bytesDecoder } from "./support/bytes-decoder.ts";

/** A "successor" model: the most likely next id is (last + 1) mod V, by a margin of `margin` nats. */
function successorModel(V: number, T: number, margin = 5) {
  const contexts: number[][] = [];
  const model: NextTokenModel = {
    vocabSize: V,
    contextLength: T,
    async lastLogits(context) {
      contexts.push([...context]);
      const out = new Float32Array(V);
      out[((context.at(-1) as number) + 1) % V] = margin;
      return out;
    },
  };
  return { model, contexts };
}

const base = { temperature: 0, topP: 1, endOfText: null };

describe("generate", () => {
  test("greedy follows the argmax chain for exactly maxTokens", async () => {
    const { model } = successorModel(10, 4);
    const r = await generate(model, [3], { ...base, maxTokens: 6, rng: Rng.seeded(0) });
    expect(r).toEqual({ ids: [4, 5, 6, 7, 8, 9], stoppedAt: "max-tokens" });
  });

  test("stops at end-of-text without emitting it", async () => {
    const { model } = successorModel(10, 4);
    const seen: number[] = [];
    const r = await generate(model, [5], { ...base, maxTokens: 20, endOfText: 8, rng: Rng.seeded(0) }, (id) =>
      seen.push(id),
    );
    expect(r).toEqual({ ids: [6, 7], stoppedAt: "end-of-text" });
    expect(seen).toEqual([6, 7]);
  });

  test("the model sees the last contextLength ids", async () => {
    const { model, contexts } = successorModel(50, 3);
    await generate(model, [10, 11, 12, 13, 14], { ...base, maxTokens: 3, rng: Rng.seeded(0) });
    expect(contexts).toEqual([
      [12, 13, 14],
      [13, 14, 15],
      [14, 15, 16],
    ]);
  });

  test("past 2T tokens the context is still exactly the last T ids", async () => {
    const { model, contexts } = successorModel(50, 3);
    const r = await generate(model, [10, 11, 12, 13, 14], { ...base, maxTokens: 20, rng: Rng.seeded(0) });
    const all = [10, 11, 12, 13, 14, ...r.ids];
    expect(contexts).toEqual(r.ids.map((_, i) => all.slice(2 + i, 5 + i)));
  });

  test("a huge max-tokens allocates nothing up front (the run stops at end-of-text)", async () => {
    const { model } = successorModel(10, 4);
    const r = await generate(model, [1], { ...base, maxTokens: 1e12, endOfText: 5, rng: Rng.seeded(0) });
    expect(r).toEqual({ ids: [2, 3, 4], stoppedAt: "end-of-text" });
  });

  test("sampling replays for a seed and follows the temperature", async () => {
    const { model } = successorModel(8, 4, 1);
    const opts = (seed: number) => ({ temperature: 1, topP: 1, endOfText: null, maxTokens: 40, rng: Rng.seeded(seed) });
    const a = await generate(model, [0], opts(42));
    const b = await generate(model, [0], opts(42));
    const c = await generate(model, [0], opts(43));
    expect(a.ids).toEqual(b.ids);
    expect(a.ids).not.toEqual(c.ids);
    // With a 1-nat margin over 7 others, the successor has probability e/(e+7) ≈ 0.28: not always chosen.
    const prev = [0, ...a.ids];
    const successors = a.ids.filter((id, i) => id === ((prev[i] as number) + 1) % 8).length;
    expect(successors).toBeGreaterThan(2);
    expect(successors).toBeLessThan(38);
  });

  test("top-p below the successor's mass is greedy", async () => {
    const { model } = successorModel(8, 4, 5);
    const r = await generate(model, [2], {
      temperature: 1,
      topP: 0.5,
      endOfText: null,
      maxTokens: 5,
      rng: Rng.seeded(1),
    });
    expect(r.ids).toEqual([3, 4, 5, 6, 7]);
  });

  test("bad prompts and options are rejected", async () => {
    const { model } = successorModel(8, 4);
    const opts = { ...base, maxTokens: 2, rng: Rng.seeded(0) };
    await expect(generate(model, [], opts)).rejects.toThrow(/prompt encodes to no tokens/);
    await expect(generate(model, [9], opts)).rejects.toThrow(/token id 9 not in \[0, 8\).*tokenizer does not match/);
    await expect(generate(model, [1], { ...opts, maxTokens: -1 })).rejects.toThrow(/max-tokens/);
    await expect(generate(model, [1], { ...opts, temperature: -2 })).rejects.toThrow(/temperature/);
  });
});

/** The successor model with a KV cache double: records each append, answers from the ids fed so far. */
function cachedSuccessorModel(V: number, T: number) {
  const { model, contexts } = successorModel(V, T);
  const appends: number[][] = [];
  const cached: NextTokenModel = {
    ...model,
    cachedContext(): CachedContext {
      let fed: number[] = [];
      return {
        get length() {
          return fed.length;
        },
        async append(ids) {
          appends.push([...ids]);
          fed = [...fed, ...ids];
          if (fed.length > T) throw new Error(`fed ${fed.length} ids past the context length ${T}`);
          return model.lastLogits(Int32Array.from(fed));
        },
        reset() {
          appends.push([]);
          fed = [];
        },
      };
    },
  };
  return { model: cached, contexts, appends };
}

describe("generate with a KV cache", () => {
  test("prefills the prompt once, then feeds one id per step", async () => {
    const { model, appends } = cachedSuccessorModel(20, 8);
    const r = await generate(model, [3, 4], { ...base, maxTokens: 4, rng: Rng.seeded(0) });
    expect(r.ids).toEqual([5, 6, 7, 8]);
    expect(appends).toEqual([[], [3, 4], [5], [6], [7]]); // [] is a reset
  });

  test("once the context is full each step re-prefills the last T ids, as the uncached path sees them", async () => {
    const T = 3;
    const plain = successorModel(50, T);
    const kv = cachedSuccessorModel(50, T);
    const opts = { ...base, maxTokens: 6, rng: Rng.seeded(0) };
    const a = await generate(plain.model, [10, 11], opts);
    const b = await generate(kv.model, [10, 11], { ...opts, rng: Rng.seeded(0) });
    expect(b.ids).toEqual(a.ids);
    expect(kv.contexts).toEqual(plain.contexts); // every model call saw the uncached path's context
    expect(kv.appends).toEqual([
      [],
      [10, 11],
      [12],
      [],
      [11, 12, 13],
      [],
      [12, 13, 14],
      [],
      [13, 14, 15],
      [],
      [14, 15, 16],
    ]);
  });

  test("a prompt longer than T is cut to its last T ids before the prefill", async () => {
    const { model, appends } = cachedSuccessorModel(50, 3);
    await generate(model, [1, 2, 3, 4, 5], { ...base, maxTokens: 1, rng: Rng.seeded(0) });
    expect(appends).toEqual([[], [3, 4, 5]]);
  });
});

describe("streaming text", () => {
  // Token bytes: id 0..2 are "a", and the two halves of "é" (C3 A9); 3 is a lone continuation byte.
  const vocab = [Uint8Array.of(0x61), Uint8Array.of(0xc3), Uint8Array.of(0xa9), Uint8Array.of(0xa9)];
  const tokenBytes = (id: number) => vocab[id] as Uint8Array;

  test("a character split across tokens is written once complete", async () => {
    const model: NextTokenModel = {
      vocabSize: 4,
      contextLength: 8,
      async lastLogits(ctx) {
        const next = [1, 2, 0, 1][ctx.length - 1] ?? 0; // a, C3, A9, a, C3 (dangling at the end)
        const out = new Float32Array(4);
        out[next] = 10;
        return out;
      },
    };
    const pieces: string[] = [];
    const r = await generateText(
      model,
      [0],
      bytesDecoder(tokenBytes),
      { ...base, maxTokens: 4, rng: Rng.seeded(0) },
      (s) => pieces.push(s),
    );
    expect(r.ids).toEqual([1, 2, 0, 1]);
    expect(pieces).toEqual(["é", "a", "\ufffd"]); // the dangling C3 is flushed as one replacement character
    expect(r.text).toBe("éa\ufffd");
  });

  test("malformed bytes become U+FFFD and a leading BOM is kept", () => {
    const d = bytesDecoder((id) => (id === 0 ? Uint8Array.of(0xef, 0xbb, 0xbf) : Uint8Array.of(0xa9)));
    expect(d.push(0) + d.push(1) + d.flush()).toBe("\ufeff\ufffd");
  });
});
