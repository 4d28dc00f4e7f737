// CS336's parameter initialization (assignment 1 §3.4.1): Linear weights from a normal with
// std sqrt(2/(in+out)) truncated at ±3σ, embeddings std 1 truncated at ±3, RMSNorm gains 1. All draws come
// from the seeded generator passed in, in the fixed order of `parameterSpecs`, so a seed names a model.
// Leaves out: torch's exact stream (torch's trunc_normal_ uses an inverse-CDF sampler we do not mirror).

import { type ModelConfig, type ParamSpec, parameterSpecs } from "./config.ts";
import type { HostTensor, ParamMap } from "./host-tensors.ts";
import type { Rng } from "./random.ts";

/** Fresh parameters for `config`, drawn from `rng` (which advances). */
export function initParameters(config: ModelConfig, rng: Rng): ParamMap {
  const out: ParamMap = {};
  for (const spec of parameterSpecs(config)) out[spec.name] = initParameter(spec, rng);
  return out;
}

/** One parameter per CS336's rule for its kind. */
function initParameter(spec: ParamSpec, rng: Rng): HostTensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  if (spec.kind === "norm") {
    data.fill(1);
  } else {
    // Linear [out, in]: std sqrt(2/(in+out)); Embedding: std 1. Both cut at 3 std.
    const [rows, cols] = spec.shape as [number, number];
    const std = spec.kind === "linear" ? Math.sqrt(2 / (rows + cols)) : 1;
    for (let i = 0; i < n; i++) data[i] = rng.nextTruncatedNormal(std, 3 * std);
  }
  return { data, shape: [...spec.shape] };
}

/** Zeros shaped like each parameter (AdamW's first and second moments start here). */
export function zerosLikeParams(params: ParamMap): ParamMap {
  const out: ParamMap = {};
  for (const [name, t] of Object.entries(params))
    out[name] = { data: new Float32Array(t.data.length), shape: [...t.shape] };
  return out;
}
