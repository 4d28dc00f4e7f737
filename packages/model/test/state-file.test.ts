// The state file (any named tensors + AdamW moments + step + iteration + a JSON config): bit-exact round trip
// of names no LM has (including ones that look like our prefixes), moments for a subset of the tensors, and
// clear errors for inconsistent moments (when saving, and when loading a file another writer made), corrupt or
// truncated bytes and files of another format.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { decodeStateFile, encodeStateFile, type StateFile, StateFileError } from "../src/io/state-file.ts";
import { writeSafetensors } from "../src/io/safetensors.ts";

const t = (shape: number[], seed: number) => ({
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed + i) * 1e3),
  shape,
});

function sample(): StateFile {
  return {
    tensors: { "fc1.weight": t([3, 2], 1), "fc1.bias": t([3], 2), "m.fc1.weight": t([2], 3), scale: t([], 4) },
    m: { "fc1.weight": t([3, 2], 5), "m.fc1.weight": t([2], 6) },
    v: { "fc1.weight": t([3, 2], 7), "m.fc1.weight": t([2], 8) },
    step: 9,
    iteration: 12,
    config: { layers: [100, 200, 10], act: "relu" },
  };
}

describe("state file", () => {
  test("round trips any names, a subset of moments, step, iteration and config bit for bit", () => {
    const s = sample();
    const back = decodeStateFile(encodeStateFile(s), "s.safetensors");
    expect(back).toEqual(s);
    expect(Object.keys(back.tensors)).toEqual(Object.keys(s.tensors)); // order kept
  });

  test("saving refuses moments that do not match the tensors", () => {
    const s = sample();
    expect(() => encodeStateFile({ ...s, m: { ...s.m, other: t([1], 0) }, v: { ...s.v, other: t([1], 0) } })).toThrow(
      /AdamW m has "other", which is not one of the tensors/,
    );
    expect(() => encodeStateFile({ ...s, v: { "fc1.weight": s.v["fc1.weight"]! } })).toThrow(
      /m and v must name the same tensors/,
    );
    expect(() => encodeStateFile({ ...s, m: { ...s.m, "fc1.weight": t([6], 0) } })).toThrow(
      /AdamW m of "fc1.weight" is \[6\], the tensor is \[3,2\]/,
    );
    expect(() => encodeStateFile({ ...s, iteration: -1 })).toThrow(StateFileError);
  });

  test("corrupt, truncated and foreign bytes are named", () => {
    const bytes = encodeStateFile(sample());
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0x40;
    expect(() => decodeStateFile(flipped, "f")).toThrow(/f is not a usable state file: .*sha256/);
    expect(() => decodeStateFile(bytes.subarray(0, 50), "f")).toThrow(/f is not a usable state file: .*truncated/);
    const plain = writeSafetensors([["w", { dtype: "F32", shape: [1], data: new Float32Array(1) }]], { a: "b" });
    expect(() => decodeStateFile(plain, "f")).toThrow(/no "cs336-ts-state" marker/);
  });

  test("loading refuses moments that do not match the tensors, as saving does", () => {
    // A file with our marker and a valid digest, written by another writer: moments of the wrong shape.
    const f32 = (n: number) => ({ dtype: "F32" as const, shape: [n], data: new Float32Array(n).fill(1) });
    const stored: [string, ReturnType<typeof f32>][] = [
      ["param.w", f32(2)],
      ["adam.m.w", f32(3)],
      ["adam.v.w", f32(3)],
    ];
    const h = createHash("sha256");
    for (const [name, x] of stored) {
      h.update(name);
      h.update(new Uint8Array(x.data.buffer));
    }
    const md = { format: "cs336-ts-state", format_version: "1", step: "1", iteration: "1", config: "null" };
    const bytes = writeSafetensors(stored, { ...md, data_sha256: h.digest("hex") });
    expect(() => decodeStateFile(bytes, "f")).toThrow(
      /f is not a usable state file: AdamW m of "w" is \[3\], the tensor is \[2\]/,
    );
  });
});
