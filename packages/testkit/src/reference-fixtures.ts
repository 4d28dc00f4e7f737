// The PyTorch float64 reference values (tests/fixtures/reference/*.safetensors, made by the course's reference
// implementation; README there) and the one error measure every comparison against them uses: the relative
// error of the whole tensor, ||a − b|| / ||b||. One copy of the files serves the root tests and the packages'.
// Leaves out: regenerating the fixtures (they are copied from ../shared/fixtures/reference).
import { expect } from "bun:test";
import { join } from "node:path";
import { asFloat32, readSafetensors, type SafeTensor } from "@cs336-ts/model";
import { REPO_ROOT } from "./shared-data.ts";

export const REFERENCE_DIR = join(REPO_ROOT, "tests/fixtures/reference");

/** The tensors of `tests/fixtures/reference/NAME.safetensors`. */
export async function loadReference(name: string): Promise<Map<string, SafeTensor>> {
  const bytes = new Uint8Array(await Bun.file(join(REFERENCE_DIR, `${name}.safetensors`)).arrayBuffer());
  return readSafetensors(bytes, name).tensors;
}

/** One tensor of a loaded fixture as stored, failing loudly when the fixture lacks it. */
export function referenceTensor(file: Map<string, SafeTensor>, name: string): SafeTensor {
  const t = file.get(name);
  if (!t) throw new Error(`fixture tensor ${name} missing`);
  return t;
}

/** One tensor's values as float32, failing loudly when the fixture lacks it. */
export function referenceValues(file: Map<string, SafeTensor>, name: string): Float32Array {
  return asFloat32(referenceTensor(file, name));
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
