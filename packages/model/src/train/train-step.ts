// The training step as one graph: (params, m, v, step, lrs[K], x[K,B,T], y[K,B,T]) →
// (losses[K], grad_norms[K], params', m', v'), an ONNX Loop whose body runs forward, our autodiff backward,
// global-norm clipping and AdamW, so parameters and moments cross the host boundary once per K steps. With
// gradient accumulation (A > 1, x[K,A,B,T]) each step's body runs an inner Loop over A micro-batches and
// averages their gradients before one clip and update. Also the plain loss-and-gradients graph (one batch).

import { type ModelConfig, parameterSpecs } from "../config.ts";
import { grad } from "../autodiff/gradient.ts";
import { activeGraph, Graph } from "../graph/graph.ts";
import { add, mul } from "../graph/ops-elementwise.ts";
import { gather } from "../graph/ops-index.ts";
import { loop } from "../graph/loop.ts";
import { zerosLike } from "../graph/ops-shape.ts";
import type { Value } from "../graph/value.ts";
import { lmLoss, lmLossWithGradient, parameterInputs, transformerLm } from "../nn/lm.ts";
import { type AdamwHyper, adamwStep } from "../optim/adamw.ts";
import { clipFactor } from "../optim/clip.ts";

/** Optimizer settings baked into the training graph. maxGradNorm null: no clipping (norms still reported). */
export type TrainHyper = AdamwHyper & { maxGradNorm: number | null };

/** Graph input and output names of the training step, derived from the CS336 parameter names. */
export const trainNames = {
  m: (p: string) => `adam.m.${p}`,
  v: (p: string) => `adam.v.${p}`,
  out: (input: string) => `next.${input}`,
  step: "step",
  lrs: "lrs",
  x: "x",
  y: "y",
  losses: "losses",
  gradNorms: "grad_norms",
} as const;

/** accum: micro-batches of `batch` sequences per optimizer step (gradient accumulation); default 1. */
export type TrainShape = { k: number; batch: number; seqLen: number; accum?: number };

/** The K-step training graph for `config` with (micro-)batches of shape [batch, seqLen]. */
export function buildTrainStepGraph(config: ModelConfig, hp: TrainHyper, shape: TrainShape): Graph {
  const { k, batch, seqLen } = shape;
  const accum = shape.accum ?? 1;
  const g = new Graph("train_step");
  const names = parameterSpecs(config).map((s) => s.name);
  const params = parameterInputs(g, config);
  const m = names.map((n) => g.input(trainNames.m(n), "float32", params[n]!.shape));
  const v = names.map((n) => g.input(trainNames.v(n), "float32", params[n]!.shape));
  const step = g.input(trainNames.step, "int64", []); // optimizer steps taken before this run
  const lrs = g.input(trainNames.lrs, "float32", [k]);
  // A = 1 keeps the plain [K, B, T] layout (and the graph without an inner Loop).
  const batchDims = accum > 1 ? [k, accum, batch, seqLen] : [k, batch, seqLen];
  const xs = g.input(trainNames.x, "int32", batchDims);
  const ys = g.input(trainNames.y, "int32", batchDims);
  const n = names.length;

  const result = loop(
    { tripCount: k, carried: [...names.map((nm) => params[nm]!), ...m, ...v], name: "steps" },
    ({ iter, carried }) => {
      const p = carried.slice(0, n);
      const byName = Object.fromEntries(names.map((nm, i) => [nm, p[i]!]));
      const x = gather(xs, iter); // (B, T), or (A, B, T) with accumulation
      const y = gather(ys, iter);
      const { loss, grads } =
        accum > 1
          ? g.scope("accum", () => accumulatedLossAndGrads(config, byName, p, x, y, accum))
          : lossAndGrads(transformerLm(x, byName, config), y, p); // (B, T, V) logits
      // Clipping's factor is folded into AdamW's moment updates, and g² is shared by the norm and v.
      const clip = g.scope("clip", () => clipFactor(grads, hp.maxGradNorm));
      const t = add(step, add(iter, 1)); // this update's step number, 1-based
      const next = g.scope("adamw", () =>
        adamwStep({ params: p, m: carried.slice(n, 2 * n), v: carried.slice(2 * n) }, grads, gather(lrs, iter), t, hp, {
          gradSquares: clip.squares,
          ...(clip.scale && { gradScale: clip.scale }),
        }),
      );
      return { carried: [...next.params, ...next.m, ...next.v], scans: [loss, clip.norm] };
    },
  );
  names.forEach((nm, i) => {
    g.output(trainNames.out(nm), result.carried[i]!);
    g.output(trainNames.out(trainNames.m(nm)), result.carried[n + i]!);
    g.output(trainNames.out(trainNames.v(nm)), result.carried[2 * n + i]!);
  });
  g.output(trainNames.losses, result.scans[0]!);
  g.output(trainNames.gradNorms, result.scans[1]!);
  return g;
}

/**
 * The mean loss and gradients over A micro-batches x, y (A, B, T), one at a time in an inner Loop so only one
 * micro-batch's activations are alive: the mean of the micro-batch means, which is the mean over all A·B·T
 * tokens, so the step equals one step on the concatenated batch of A·B sequences.
 */
function accumulatedLossAndGrads(
  config: ModelConfig,
  byName: Record<string, Value>,
  p: Value[],
  xs: Value,
  ys: Value,
  accum: number,
): { loss: Value; grads: Value[] } {
  const zero = activeGraph("accum", xs).scalar(0, "float32");
  const sums = loop({ tripCount: accum, carried: [zero, ...p.map((w) => zerosLike(w))], name: "micro" }, (a) => {
    const [lossSum, ...gradSums] = a.carried;
    const mb = lossAndGrads(transformerLm(gather(xs, a.iter), byName, config), gather(ys, a.iter), p); // (B, T)
    return { carried: [add(lossSum!, mb.loss), ...gradSums.map((s, i) => add(s, mb.grads[i]!))] };
  });
  const [lossSum, ...gradSums] = sums.carried;
  return { loss: mul(lossSum!, 1 / accum), grads: gradSums.map((s) => mul(s, 1 / accum)) };
}

/** Mean loss and its gradients: the cross-entropy's first backward step built directly (lmLossWithGradient). */
function lossAndGrads(logits: Value, targets: Value, wrt: Value[]): { loss: Value; grads: Value[] } {
  const lg = lmLossWithGradient(logits, targets);
  if (lg) return { loss: lg.loss, grads: grad(logits, wrt, lg.dLogits) };
  const loss = lmLoss(logits, targets);
  return { loss, grads: grad(loss, wrt) };
}

/** tokens, targets (B, T) int32 → loss, logits (B, T, V) and `grad.<name>` for every parameter. */
export function buildLossAndGradsGraph(config: ModelConfig, batch: number, seqLen: number): Graph {
  const g = new Graph("loss_and_grads");
  const params = parameterInputs(g, config);
  const tokens = g.input("tokens", "int32", [batch, seqLen]);
  const targets = g.input("targets", "int32", [batch, seqLen]);
  const logits = transformerLm(tokens, params, config);
  const names = Object.keys(params);
  const { loss, grads } = lossAndGrads(
    logits,
    targets,
    names.map((nm) => params[nm]!),
  );
  g.output("loss", loss);
  g.output("logits", logits);
  for (const [i, nm] of names.entries()) g.output(`grad.${nm}`, grads[i]!);
  return g;
}
