// Host-side checks and conversions shared by the trainer and inference wrappers: token ids validated before
// anything runs (ONNX Runtime's own out-of-range error names no fix), parameter maps checked against the
// config, and TensorData feeds. Leaves out: dtype conversions other than to int32/float32.

import { type ModelConfig, parameterSpecs } from "../config.ts";
import type { TensorData } from "../graph/value.ts";
import type { HostTensor, ParamMap } from "../init.ts";

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

export const f32 = (t: HostTensor): TensorData => ({ dtype: "float32", shape: t.shape, data: t.data });
export const i32 = (data: Int32Array, shape: number[]): TensorData => ({ dtype: "int32", shape, data });

export function toHost(t: TensorData | undefined, what: string): HostTensor {
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`internal: output ${what} missing or not float32`);
  return { data: t.data, shape: [...t.shape] };
}
