// The package's public surface: package.json names four entry points and nothing else (no wildcard), each
// entry file is an explicit export list, and each exports what its users need and none of the internals or
// test-only helpers that used to be public (so a helper cannot slip back into the API through `export *`).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as root from "../src/index.ts";
import * as graph from "../src/graph/index.ts";
import * as runtime from "../src/runtime/index.ts";
import * as testing from "../src/testing/index.ts";

const pkgDir = join(import.meta.dir, "..");
const entries = { ".": root, "./graph": graph, "./runtime": runtime, "./testing": testing };

describe("entry points", () => {
  test("package.json declares exactly the four entries, each resolving to an explicit export list", () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    expect(Object.keys(pkg.exports).sort()).toEqual([".", "./graph", "./package.json", "./runtime", "./testing"]);
    for (const key of Object.keys(entries)) {
      const text = readFileSync(join(pkgDir, pkg.exports[key]), "utf8");
      expect(text).not.toMatch(/export \*/);
    }
  });

  test("each entry exports what its users need", () => {
    const want: Record<keyof typeof entries, string[]> = {
      ".": [
        "resolveModelConfig",
        "initParameters",
        "Rng",
        "createTrainer",
        "initTrainState",
        "createInference",
        "createCachedInference",
      ],
      "./graph": [
        "Graph",
        "grad",
        "GRAD_RULES",
        "loop",
        "emitModel",
        "linear",
        "transformerLm",
        "transformerLmCached",
        "adamwStep",
      ],
      "./runtime": ["Session", "runGraph"],
      "./testing": ["hostEmbedding", "hostLmLogits", "runAdamwSteps", "clipGradients", "readTrace"],
    };
    for (const [key, names] of Object.entries(want)) {
      const mod = entries[key as keyof typeof entries] as Record<string, unknown>;
      for (const name of names) expect([key, name, typeof mod[name]]).not.toEqual([key, name, "undefined"]);
    }
  });

  test("internals and test-only helpers stay out of the public surface", () => {
    const internal = ["unbroadcast", "unflatten", "checkParams", "lmRope", "ropeAngles", "globalNorm", "liveNodes"];
    const testOnly = ["hostEmbedding", "runAdamwSteps", "readTrace", "adamwStepReference", "headSize"];
    for (const [key, mod] of Object.entries(entries)) {
      const names = Object.keys(mod);
      for (const name of internal) expect([key, names.includes(name)]).toEqual([key, false]);
      if (key !== "./testing") for (const name of testOnly) expect([key, names.includes(name)]).toEqual([key, false]);
    }
    // Graph building and the runtime each have one home.
    expect(Object.keys(root)).not.toContain("Graph");
    expect(Object.keys(root)).not.toContain("Session");
    expect(Object.keys(graph)).not.toContain("Session");
    expect(Object.keys(graph)).not.toContain("createTrainer");
  });
});
