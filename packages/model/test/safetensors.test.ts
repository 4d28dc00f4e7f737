// safetensors (src/io/safetensors.ts): reads the PyTorch-written reference fixtures with CS336 names and shapes,
// round-trips F32/U8/I64 tensors and metadata through our writer, and reports truncated or corrupt files
// (bad length, missing header, invalid JSON) as such.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REFERENCE_DIR } from "@cs336-ts/testkit";
import { readSafetensors, writeSafetensors } from "../src/io/safetensors.ts";

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
