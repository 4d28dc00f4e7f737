// A host-side TrainEngine for testing the loop without ONNX Runtime: a bigram model that trains only
// token_embeddings and lm_head (logits = E[x] · Lᵀ) with real cross-entropy gradients, global-norm clipping
// and torch-style AdamW over every parameter. Deterministic, so resume tests can demand bit equality.
// Leaves out: the Transformer blocks (their parameters get zero gradients; weight decay still applies).
import type { ParamMap, TrainState } from "@cs336-ts/model";
import type { RunConfig } from "../../src/run/config.ts";
import type { TrainEngine } from "../../src/loop/engine.ts";

function clone(p: ParamMap): ParamMap {
  return Object.fromEntries(Object.entries(p).map(([k, t]) => [k, { data: t.data.slice(), shape: [...t.shape] }]));
}

function forward(params: ParamMap, V: number, C: number, x: Int32Array, y: Int32Array, grads?: ParamMap): number {
  const E = params["token_embeddings.weight"]!.data;
  const L = params["lm_head.weight"]!.data;
  const n = x.length;
  const logits = new Float64Array(V);
  let loss = 0;
  for (let t = 0; t < n; t++) {
    const row = x[t]! * C;
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += E[row + c]! * L[v * C + c]!;
      logits[v] = s;
      if (s > max) max = s;
    }
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[v]! - max);
    loss += Math.log(z) + max - logits[y[t]!]!;
    if (grads) {
      const gE = grads["token_embeddings.weight"]!.data;
      const gL = grads["lm_head.weight"]!.data;
      for (let v = 0; v < V; v++) {
        const d = (Math.exp(logits[v]! - max) / z - (v === y[t] ? 1 : 0)) / n;
        for (let c = 0; c < C; c++) {
          gL[v * C + c]! += d * E[row + c]!;
          gE[row + c]! += d * L[v * C + c]!;
        }
      }
    }
  }
  return loss / n;
}

export type ToyOptions = {
  /** Replace the loss of this absolute optimizer step (1-based) with NaN, to test divergence handling. */
  nanAtStep?: number;
  /** Make a parameter infinite in this step's update while its loss (measured before it) stays finite. */
  infParamsAtStep?: number;
  /** Validation loss is NaN once this many optimizer steps have run (training losses stay finite). */
  nanValFromStep?: number;
};

export function toyEngine(config: RunConfig, opts: ToyOptions = {}): TrainEngine {
  const V = config.model.vocabSize;
  const C = config.model.dModel;
  const n = config.batchSize * config.model.contextLength;
  let done = 0;
  return {
    async step(state: TrainState, lrs, x, y) {
      const k = lrs.length;
      const params = clone(state.params);
      const m = clone(state.m);
      const v = clone(state.v);
      let adamStep = state.step;
      const losses = new Float32Array(k);
      const gradNorms = new Float32Array(k);
      for (let i = 0; i < k; i++) {
        const grads = Object.fromEntries(
          Object.entries(params).map(([key, t]) => [key, { data: new Float32Array(t.data.length), shape: t.shape }]),
        );
        const xs = x.subarray(i * n, (i + 1) * n);
        const ys = y.subarray(i * n, (i + 1) * n);
        losses[i] = forward(params, V, C, xs, ys, grads);
        if (opts.nanAtStep === adamStep + 1) losses[i] = Number.NaN;
        let sq = 0;
        for (const g of Object.values(grads)) for (const e of g.data) sq += e * e;
        const norm = Math.sqrt(sq);
        gradNorms[i] = norm;
        const scale = config.gradClip > 0 ? Math.min(1, config.gradClip / (norm + 1e-6)) : 1;
        adamStep++;
        const lr = lrs[i]!;
        const bc1 = 1 - config.beta1 ** adamStep;
        const bc2 = 1 - config.beta2 ** adamStep;
        for (const [key, p] of Object.entries(params)) {
          const g = grads[key]!.data;
          const mm = m[key]!.data;
          const vv = v[key]!.data;
          for (let j = 0; j < p.data.length; j++) {
            const gj = g[j]! * scale;
            p.data[j]! *= 1 - lr * config.weightDecay;
            mm[j] = config.beta1 * mm[j]! + (1 - config.beta1) * gj;
            vv[j] = config.beta2 * vv[j]! + (1 - config.beta2) * gj * gj;
            p.data[j]! -= ((lr / bc1) * mm[j]!) / (Math.sqrt(vv[j]! / bc2) + config.adamEps);
          }
          if (opts.infParamsAtStep === adamStep) p.data[0] = Number.POSITIVE_INFINITY;
        }
      }
      done = adamStep;
      return { losses, gradNorms, state: { params, m, v, step: adamStep } };
    },
    async evalLoss(params, x, y) {
      if (opts.nanValFromStep !== undefined && done >= opts.nanValFromStep) return Number.NaN;
      return forward(params, V, C, x, y);
    },
  };
}
