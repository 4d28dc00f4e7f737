// The PyTorch float64 reference values the package's own tests compare against, and the one error measure
// every comparison uses: the relative error of the whole tensor, ||a − b|| / ||b||. The files in fixtures/ are
// byte-identical copies of the repository's tests/fixtures/reference (made by the course's reference
// implementation; README there), so the package's tests never reach outside the package.
import { expect } from "bun:test";
import { join } from "node:path";
import { asFloat32, readSafetensors, type SafeTensor } from "../../src/io/safetensors.ts";

export const FIXTURES_DIR = join(import.meta.dir, "fixtures");

/** The tensors of `fixtures/NAME.safetensors`. */
export async function loadReference(name: string): Promise<Map<string, SafeTensor>> {
  const bytes = new Uint8Array(await Bun.file(join(FIXTURES_DIR, `${name}.safetensors`)).arrayBuffer());
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
