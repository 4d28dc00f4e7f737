// Host tensors and the one set of converters between them and the runtime's TensorData feeds and results:
// float32 weights and parameter maps keyed by CS336 name, int32 token batches, plus the checks made on the host
// before anything runs (ONNX Runtime's own out-of-range error names no fix; a target ≥ V silently picks no logit).
// Leaves out: dtype conversions other than to int32/float32.

import { type ModelConfig, parameterSpecs } from "./config.ts";
import type { TensorData } from "./graph/value.ts";

/** Float32 host tensor, row-major. */
export type HostTensor = { data: Float32Array; shape: number[] };
/** Integer host tensor (ids, targets, positions), row-major. */
export type HostIntTensor = { data: Int32Array; shape: number[] };
/** Parameters by CS336 name, in `parameterSpecs` order. */
export type ParamMap = Record<string, HostTensor>;

/** Throws a RangeError naming the first id outside [0, vocabSize) and where it is. */
export function checkTokenIds(what: string, ids: ArrayLike<number>, vocabSize: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) {
      throw new RangeError(
        `${what}: token id ${id} at index ${i} not in [0, ${vocabSize}); the data was encoded with a different tokenizer or the model's vocabSize is too small`,
      );
    }
  }
}

/** Throws unless `params` holds exactly the config's parameters with matching shapes. */
export function checkParamMap(what: string, config: ModelConfig, params: ParamMap): void {
  const specs = parameterSpecs(config);
  const want = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(params)) {
    if (!want.has(name)) throw new RangeError(`${what}: unexpected tensor "${name}" (not a parameter of this config)`);
  }
  for (const s of specs) {
    const t = params[s.name];
    if (!t) throw new RangeError(`${what}: missing "${s.name}" [${s.shape}]`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]) || t.data.length !== n) {
      throw new RangeError(`${what}: "${s.name}" has shape [${t.shape}], the config needs [${s.shape}]`);
    }
  }
}

/** A float32 feed (no copy). */
export const f32 = (t: HostTensor): TensorData => ({ dtype: "float32", shape: t.shape, data: t.data });
/** An int32 feed (no copy). */
export const i32 = (data: Int32Array, shape: number[]): TensorData => ({ dtype: "int32", shape, data });

/** One feed per parameter, under `key(name)` (default the CS336 name itself). */
export function paramFeeds(params: ParamMap, key: (name: string) => string = (n) => n): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(params)) feeds[key(name)] = f32(t);
  return feeds;
}

/** A float32 result as a host tensor; `what` names it when the run did not produce it. */
export function toHost(t: TensorData | undefined, what: string): HostTensor {
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`internal: output ${what} missing or not float32`);
  return { data: t.data, shape: [...t.shape] };
}

/** The parameter map `names` read back from run results stored under `key(name)`. */
export function paramsFrom(
  out: Record<string, TensorData>,
  names: readonly string[],
  key: (name: string) => string,
): ParamMap {
  const params: ParamMap = {};
  for (const name of names) params[name] = toHost(out[key(name)], name);
  return params;
}
