// Host wrappers that run the in-graph AdamW and clipping on their own (outside the training Loop), for the
// reference checks of ADAPTERS.md and for tools: one AdamW step per run with per-step learning rates, and
// global-norm clipping of a list of gradients. Leaves out: batching several steps into one run.

import { Graph } from "../graph/graph.ts";
import { tensorOf, type TensorData } from "../graph/value.ts";
import { f32, type HostTensor, toHost } from "../host-tensors.ts";
import { emitModel } from "../onnx/emit.ts";
import { type AdamwHyper, adamwStep, validateAdamw } from "../optim/adamw.ts";
import { clipByGlobalNorm } from "../optim/clip.ts";
import { runGraph, Session } from "../runtime/session.ts";

/** Runs AdamW from zero moments over `gradsPerStep`; returns the parameters after each step. */
export async function runAdamwSteps(
  params: HostTensor[],
  gradsPerStep: HostTensor[][],
  lrs: readonly number[],
  hp: AdamwHyper,
): Promise<HostTensor[][]> {
  validateAdamw(hp);
  if (lrs.length !== gradsPerStep.length) {
    throw new RangeError(`${gradsPerStep.length} gradient steps need as many learning rates, got ${lrs.length}`);
  }
  const g = new Graph("adamw");
  const n = params.length;
  const input = (prefix: string) => params.map((p, i) => g.input(`${prefix}.${i}`, "float32", p.shape));
  const [p, m, v, gr] = [input("p"), input("m"), input("v"), input("g")];
  const lr = g.input("lr", "float32", []);
  const t = g.input("t", "int64", []);
  const next = adamwStep({ params: p, m, v }, gr, lr, t, hp);
  for (let i = 0; i < n; i++) {
    g.output(`next.p.${i}`, next.params[i]!);
    g.output(`next.m.${i}`, next.m[i]!);
    g.output(`next.v.${i}`, next.v[i]!);
  }
  const session = await Session.create(emitModel(g));
  try {
    let state: { p: HostTensor[]; m: HostTensor[]; v: HostTensor[] } = {
      p: params.map((x) => ({ data: x.data.slice(), shape: [...x.shape] })),
      m: params.map((x) => ({ data: new Float32Array(x.data.length), shape: [...x.shape] })),
      v: params.map((x) => ({ data: new Float32Array(x.data.length), shape: [...x.shape] })),
    };
    const history: HostTensor[][] = [];
    for (const [s, grads] of gradsPerStep.entries()) {
      if (grads.length !== n)
        throw new RangeError(`step ${s}: ${n} parameters need ${n} gradients, got ${grads.length}`);
      const feeds: Record<string, TensorData> = {
        lr: tensorOf("float32", [], [lrs[s]!]),
        t: tensorOf("int64", [], [s + 1]),
      };
      for (let i = 0; i < n; i++) {
        feeds[`p.${i}`] = f32(state.p[i]!);
        feeds[`m.${i}`] = f32(state.m[i]!);
        feeds[`v.${i}`] = f32(state.v[i]!);
        feeds[`g.${i}`] = f32(grads[i]!);
      }
      const out = await session.run(feeds);
      const pick = (k: string) => Array.from({ length: n }, (_, i) => toHost(out[`next.${k}.${i}`], `${k}.${i}`));
      state = { p: pick("p"), m: pick("m"), v: pick("v") };
      history.push(state.p);
    }
    return history;
  } finally {
    await session.release();
  }
}

/** Gradients scaled as torch's clip_grad_norm_(maxNorm), and their pre-clip global norm. */
export async function clipGradients(
  grads: HostTensor[],
  maxNorm: number,
): Promise<{ grads: HostTensor[]; norm: number }> {
  if (!(maxNorm > 0)) throw new RangeError(`max norm must be > 0, got ${maxNorm}`);
  const g = new Graph("clip");
  const ins = grads.map((x, i) => g.input(`g.${i}`, "float32", x.shape));
  const out = clipByGlobalNorm(ins, maxNorm);
  out.grads.forEach((x, i) => {
    g.output(`clipped.${i}`, x);
  });
  g.output("norm", out.norm);
  const res = await runGraph(g, Object.fromEntries(grads.map((x, i) => [`g.${i}`, f32(x)])));
  return {
    grads: grads.map((_, i) => toHost(res[`clipped.${i}`], `clipped.${i}`)),
    norm: toHost(res.norm, "norm").data[0]!,
  };
}
