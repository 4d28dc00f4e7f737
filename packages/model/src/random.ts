// A seeded generator for every random choice in the project (initialization, batch sampling, sampling):
// xoshiro128** (Blackman & Vigna 2018) seeded through splitmix32, with uniform floats, unbiased integers
// and normals. Its whole state is four uint32 words, so `state()`/`fromState()` let checkpoints resume
// the exact stream. Not cryptographic; not bit-compatible with torch's generator.

const TWO_POW_32 = 4294967296;

export type RngState = [number, number, number, number];

export class Rng {
  private s: Uint32Array;

  private constructor(s: Uint32Array) {
    this.s = s;
  }

  /** A generator from any integer seed (distinct seeds give unrelated streams). */
  static seeded(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    // splitmix32 over both halves of the seed fills the state; it never yields four zero words.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) >>> 0, 0x9e3779b9);
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      s[i] = z ^ (z >>> 16);
    }
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
    return new Rng(s);
  }

  /** Restores a generator saved with `state()`. */
  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
      throw new RangeError(`generator state must be four uint32 words, got ${JSON.stringify(state)}`);
    }
    if (state.every((w) => w === 0)) throw new RangeError("generator state cannot be all zeros");
    return new Rng(Uint32Array.from(state));
  }

  /** The full state as plain numbers (JSON-safe). */
  state(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  /** An independent copy continuing the same stream. */
  clone(): Rng {
    return new Rng(this.s.slice());
  }

  /** Next uint32 of xoshiro128**. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias, for any n up to 2^53. */
  nextInt(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`nextInt bound must be a positive integer, got ${n}`);
    if (n <= TWO_POW_32) {
      // Rejection keeps every residue equally likely.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const r = this.nextUint32();
        if (r < limit) return r % n;
      }
    }
    const limit = 9007199254740992 - (9007199254740992 % n);
    for (;;) {
      const r = this.nextFloat() * 9007199254740992;
      if (r < limit) return r % n;
    }
  }

  /** Standard normal (Box–Muller; no cached spare, so the state alone determines the stream). */
  nextNormal(): number {
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Normal(0, std) redrawn until it lies within [-cut, cut] (cut is absolute, e.g. 3·std). */
  nextTruncatedNormal(std: number, cut: number): number {
    if (!(std > 0 && cut > 0)) throw new RangeError(`truncated normal needs std > 0 and cut > 0, got ${std}, ${cut}`);
    for (;;) {
      const z = this.nextNormal() * std;
      if (z >= -cut && z <= cut) return z;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
