// The tests' seeded generator: a 32-bit linear congruential one (Numerical Recipes' constants), so random
// texts, splits and sizes are the same on every run and every runtime.

/** Numbers in [0, 1) from `seed`, the same sequence for the same seed. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
