// safetensors (src/io/safetensors.ts): reads the PyTorch-written reference fixtures with CS336 names and shapes,
// round-trips F32/U8/I64 tensors and metadata through our writer, and reports truncated or corrupt files
// (bad length, missing header, invalid JSON) as such, hostile headers (wrong types, negative offsets, fractional
// shapes) as a SafetensorsError rather than a TypeError or a tensor read from the header's bytes, and keeps the
// data 8-byte aligned when names or metadata are not ASCII.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REFERENCE_DIR } from "@cs336-ts/testkit";
import { readSafetensors, SafetensorsError, writeSafetensors } from "../src/io/safetensors.ts";

test("reads the reference model with CS336 names and shapes", () => {
  const { tensors } = readSafetensors(readFileSync(join(REFERENCE_DIR, "model.safetensors")));
  expect(tensors.get("token_embeddings.weight")?.shape).toEqual([128, 32]);
  expect(tensors.get("layers.1.ffn.w2.weight")?.shape).toEqual([32, 64]);
  expect(tensors.get("ln_final.weight")?.dtype).toBe("F32");
});

test("round trips tensors of several dtypes and metadata", () => {
  const f32 = { dtype: "F32" as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) };
  const i64 = { dtype: "I64" as const, shape: [2], data: new BigInt64Array([-1n, 2n ** 40n]) };
  const u8 = { dtype: "U8" as const, shape: [3], data: new Uint8Array([1, 2, 3]) }; // odd size before nothing
  const bytes = writeSafetensors(
    [
      ["a", f32],
      ["b", u8],
      ["c", i64],
    ],
    { step: "7" },
  );
  const back = readSafetensors(bytes);
  expect(back.metadata).toEqual({ step: "7" });
  expect([...(back.tensors.get("a")!.data as Float32Array)]).toEqual([...f32.data]);
  expect([...(back.tensors.get("c")!.data as BigInt64Array)]).toEqual([...i64.data]);
  expect(back.tensors.get("b")?.shape).toEqual([3]);
});

test("corrupt or truncated files are reported as such", () => {
  const good = writeSafetensors([["w", { dtype: "F32", shape: [4], data: new Float32Array(4) }]]);
  expect(() => readSafetensors(good.subarray(0, good.length - 4), "ckpt")).toThrow(/ckpt: .*corrupt or truncated/);
  expect(() => readSafetensors(new Uint8Array(3))).toThrow(/no header/);
  const garbage = good.slice();
  garbage[10] = 0x7b; // break the JSON
  garbage[11] = 0x7b;
  expect(() => readSafetensors(garbage)).toThrow(/not valid JSON/);
});

/** A file with `header` as its JSON and `data` after it, as another writer (or an attacker) might produce. */
function rawFile(header: unknown, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test("hostile headers are refused as corrupt files, naming what is wrong", () => {
  const data = new Uint8Array(16);
  const cases: [unknown, RegExp][] = [
    [null, /header is not a JSON object/],
    [[1], /header is not a JSON object/],
    [{ a: null }, /tensor "a" is null, not an object/],
    [{ a: { dtype: "F32", shape: 4, data_offsets: [0, 16] } }, /tensor "a" has shape 4/],
    [{ a: { dtype: "F32", shape: [2.5, 2], data_offsets: [0, 20] } }, /tensor "a" has shape \[2.5,2\]/],
    [{ a: { dtype: "F32", shape: ["2", "2"], data_offsets: [0, 16] } }, /tensor "a" has shape \["2","2"\]/],
    // begin -4 would have read the last 4 bytes of the header as the tensor
    [{ a: { dtype: "F32", shape: [1], data_offsets: [-4, 0] } }, /data_offsets \[-4,0\]/],
    [{ a: { dtype: "F32", shape: [1] } }, /data_offsets undefined/],
    [{ a: { dtype: "__proto__", shape: [1], data_offsets: [0, 4] } }, /unsupported dtype "__proto__"/],
    [{ __metadata__: null }, /"__metadata__" is null/],
    [{ __metadata__: { step: 7 } }, /"__metadata__" entry "step" is 7, not a string/],
  ];
  for (const [header, why] of cases) {
    let error: unknown;
    try {
      readSafetensors(rawFile(header, data), "f.safetensors");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toMatch(/^f\.safetensors: .*corrupt or truncated/);
  }
});

test("the data starts 8-byte aligned when names and metadata are not ASCII", () => {
  for (const name of ["é", "权重", "w"]) {
    const bytes = writeSafetensors([[name, { dtype: "F32", shape: [1], data: new Float32Array([3]) }]], {
      config: "naïve",
    });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect([...(back.tensors.get(name)!.data as Float32Array)]).toEqual([3]);
    expect(back.metadata).toEqual({ config: "naïve" });
  }
});

test("the writer refuses a dtype that does not describe the array, instead of writing an unreadable file", () => {
  const f32 = new Float32Array([1, 2]);
  expect(() => writeSafetensors([["w", { dtype: "F64", shape: [2], data: f32 }]])).toThrow(
    /tensor "w": dtype F64 needs a Float64Array, got a Float32Array/,
  );
  expect(() => writeSafetensors([["w", { dtype: "I32", shape: [2], data: f32 }]])).toThrow(/needs a Int32Array/);
  const flags = readSafetensors(writeSafetensors([["b", { dtype: "BOOL", shape: [2], data: new Uint8Array([0, 1]) }]]));
  expect(flags.tensors.get("b")?.dtype).toBe("BOOL");
});
