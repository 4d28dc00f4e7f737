// Sampling the next token from one row of logits (CS336 §6 "decoding"): temperature scaling, then top-k
// (the k most likely ids), then nucleus (top-p) filtering (Holtzman et al. 2020) of what is left — the order
// Hugging Face's warpers apply them in — then one draw from a seeded generator. Temperature 0 is greedy.
// Probabilities are computed in float64 so filtering decisions do not depend on float32 rounding.
// Leaves out: repetition penalties and beam search (CS336 asks for neither).
import type { Rng } from "@cs336-ts/model";

export type SamplingOptions = {
  /** Softmax temperature; 0 (or anything below 1e-6) picks the argmax deterministically. */
  temperature: number;
  /** Nucleus mass in (0, 1]; 1 keeps every token. */
  topP: number;
  /** Keep only the k most likely ids before top-p; 0 or absent keeps every id. */
  topK?: number;
};

/** Below this temperature, exp(logit / T) overflows for ordinary logits: treat it as greedy. */
const GREEDY_BELOW = 1e-6;

/** Rejects options that cannot describe a distribution, saying which values are allowed. */
export function validateSampling(opts: SamplingOptions): void {
  if (!(Number.isFinite(opts.temperature) && opts.temperature >= 0)) {
    throw new RangeError(`temperature must be a number >= 0 (0 = greedy), got ${opts.temperature}`);
  }
  if (!(opts.topP > 0 && opts.topP <= 1)) {
    throw new RangeError(`top-p must be in (0, 1] (1 = no filtering), got ${opts.topP}`);
  }
  const k = opts.topK ?? 0;
  if (!(Number.isSafeInteger(k) && k >= 0)) {
    throw new RangeError(`top-k must be an integer >= 0 (0 = no filtering), got ${k}`);
  }
}

/** Index of the largest logit; ties go to the lowest id so greedy decoding is reproducible. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** softmax(logits / temperature) in float64, max-subtracted for stability. */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature: number): Float64Array {
  const n = logits.length;
  const out = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i] as number);
  if (!Number.isFinite(max)) throw new RangeError(`logits must be finite numbers (largest is ${max})`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(((logits[i] as number) - max) / temperature);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/**
 * The nucleus: the smallest set of ids whose probabilities sum to at least p, taken in order of decreasing
 * probability with ties broken by lower id (so the set is unique). Returned in that order.
 */
export function nucleus(probs: Float64Array, p: number): Int32Array {
  const n = probs.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (p >= 1) return order;
  order.sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  // A relative tolerance keeps sums like 0.5 + 0.3 (= 0.7999…) counting as reaching 0.8.
  const target = p * (1 - 1e-12);
  let cumulative = 0;
  let k = 0;
  while (k < n) {
    cumulative += probs[order[k] as number] as number;
    k++;
    if (cumulative >= target) break;
  }
  return order.slice(0, k);
}

/** The k most likely ids, ties broken by lower id (so the set is unique), in that order. */
export function topK(probs: Float64Array, k: number): Int32Array {
  const order = Int32Array.from(probs.keys());
  order.sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  return order.slice(0, k);
}

/** `probs` restricted to `kept` and renormalized (zeros elsewhere). */
function restrict(probs: Float64Array, kept: Int32Array): Float64Array {
  const out = new Float64Array(probs.length);
  let mass = 0;
  for (const id of kept) mass += probs[id] as number;
  for (const id of kept) out[id] = (probs[id] as number) / mass;
  return out;
}

/**
 * The distribution a draw is made from: temperature, then top-k, then top-p of the renormalized rest
 * (zeros outside what is kept).
 */
export function samplingDistribution(logits: ArrayLike<number>, opts: SamplingOptions): Float64Array {
  validateSampling(opts);
  if (opts.temperature < GREEDY_BELOW) {
    const onehot = new Float64Array(logits.length);
    onehot[argmax(logits)] = 1;
    return onehot;
  }
  let probs = softmaxWithTemperature(logits, opts.temperature);
  const k = opts.topK ?? 0;
  if (k > 0 && k < probs.length) probs = restrict(probs, topK(probs, k));
  return opts.topP >= 1 ? probs : restrict(probs, nucleus(probs, opts.topP));
}

/** Draws one id from a (normalized) distribution with one uniform from `rng`. */
function drawFrom(dist: Float64Array, rng: Rng): number {
  const u = rng.nextFloat();
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < dist.length; i++) {
    const q = dist[i] as number;
    if (q <= 0) continue;
    cumulative += q;
    last = i;
    if (u < cumulative) return i;
  }
  // Rounding can leave the total a hair under 1; the draw then belongs to the last id with mass.
  if (last < 0) throw new RangeError("cannot sample from a distribution with no mass");
  return last;
}

/** The next token for one row of logits. Greedy decoding consumes no randomness. */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  validateSampling(opts);
  if (opts.temperature < GREEDY_BELOW) return argmax(logits);
  return drawFrom(samplingDistribution(logits, opts), rng);
}
