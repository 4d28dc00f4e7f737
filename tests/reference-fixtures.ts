// The PyTorch float64 reference values (tests/fixtures/reference/*.safetensors, made by the course's
// reference implementation) and the one error measure every comparison against them uses: the relative error
// of the whole tensor, ||a − b|| / ||b||. Used by tests/model-lm.test.ts (packages/model/test/support has its own copy).
// Leaves out: regenerating the fixtures (they are copied from ../shared/fixtures/reference).
import { expect } from "bun:test";
import { join } from "node:path";
import { asFloat32, readSafetensors, type SafeTensor } from "@cs336-ts/model";

export const REFERENCE_DIR = join(import.meta.dir, "fixtures/reference");

/** The tensors of `fixtures/reference/NAME.safetensors`. */
export async function loadReference(name: string): Promise<Map<string, SafeTensor>> {
  const bytes = new Uint8Array(await Bun.file(join(REFERENCE_DIR, `${name}.safetensors`)).arrayBuffer());
  return readSafetensors(bytes, name).tensors;
}

/** One tensor's values as float32, failing loudly when the fixture lacks it. */
export function referenceValues(file: Map<string, SafeTensor>, name: string): Float32Array {
  const t = file.get(name);
  if (!t) throw new Error(`fixture tensor ${name} missing`);
  return asFloat32(t);
}

/**
 * ||a − b|| / ||b|| over the whole tensor: one number per comparison, so a tolerance reads the same for
 * every tensor size. Lengths must match (a shorter `a` would otherwise compare only a prefix).
 */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / n);
}
