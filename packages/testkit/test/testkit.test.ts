// The testkit's own contract: a file missing from every data folder gives null (the tests that need it skip
// with missingMessage), the reference fixtures are found from the package's location, and tinyRunFlags spells
// out the exact flag list the CLI tests used to write by hand.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  loadReference,
  missingMessage,
  REFERENCE_DIR,
  referenceValues,
  relErr,
  sharedFile,
  tinyRunFlags,
} from "../src/index.ts";

describe("shared data", () => {
  test("null when no folder holds the file, so the test skips with a message saying how to get it", () => {
    const nowhere = join(tmpdir(), "testkit-no-such-folder");
    expect(existsSync(nowhere)).toBe(false);
    expect(sharedFile("fixtures/cs336/corpus.en", [nowhere, join(nowhere, "cache")])).toBeNull();
    expect(missingMessage("fixtures/cs336/corpus.en")).toBe(
      "skipped: fixtures/cs336/corpus.en is not in ../shared and could not be fetched (offline?). " +
        "Put CS336's fixtures in ../shared/fixtures/cs336 or run online once",
    );
  });

  test("the first folder holding the file wins", () => {
    const a = mkdtempSync(join(tmpdir(), "testkit-a-"));
    const b = mkdtempSync(join(tmpdir(), "testkit-b-"));
    writeFileSync(join(b, "x.txt"), "b");
    expect(sharedFile("x.txt", [a, b])).toBe(join(b, "x.txt"));
    writeFileSync(join(a, "x.txt"), "a");
    expect(sharedFile("x.txt", [a, b])).toBe(join(a, "x.txt"));
  });
});

describe("reference fixtures", () => {
  test("found from the package, read as float32, compared by relative error", async () => {
    expect(existsSync(join(REFERENCE_DIR, "model.safetensors"))).toBe(true);
    const model = await loadReference("model");
    const w = referenceValues(model, "ln_final.weight");
    expect(w.length).toBeGreaterThan(0);
    expect(relErr(w, w)).toBe(0);
    expect(relErr([1, 1], [1, 0])).toBe(1);
    expect(() => referenceValues(model, "no.such.tensor")).toThrow("fixture tensor no.such.tensor missing");
  });
});

test("tinyRunFlags: the tiny model, batch 2, one warmup step", () => {
  expect(tinyRunFlags({ vocabSize: 64, maxSteps: 4 })).toEqual([
    "--vocab-size",
    "64",
    "--context-length",
    "8",
    "--d-model",
    "16",
    "--num-layers",
    "1",
    "--num-heads",
    "2",
    "--d-ff",
    "32",
    "--batch-size",
    "2",
    "--max-steps",
    "4",
    "--warmup-steps",
    "1",
  ]);
});
