// The training step as one graph (DESIGN.md "Model"): (params, m, v, step, lrs[K], x[K,B,T], y[K,B,T]) →
// (losses[K], grad_norms[K], params', m', v'), an ONNX Loop whose body runs forward, our autodiff backward,
// global-norm clipping and AdamW, so parameters and moments cross the host boundary once per K steps.
// Also the plain loss-and-gradients graph (one batch, no update) used by checks. Leaves out: gradient accumulation.

import { type ModelConfig, parameterSpecs } from "../config.ts";
import { grad } from "../autodiff/gradient.ts";
import { Graph } from "../graph/graph.ts";
import { add } from "../graph/ops-elementwise.ts";
import { gather } from "../graph/ops-index.ts";
import { loop } from "../graph/loop.ts";
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

export type TrainShape = { k: number; batch: number; seqLen: number };

/** The K-step training graph for `config` with batches of shape [batch, seqLen]. */
export function buildTrainStepGraph(config: ModelConfig, hp: TrainHyper, shape: TrainShape): Graph {
  const { k, batch, seqLen } = shape;
  const g = new Graph("train_step");
  const names = parameterSpecs(config).map((s) => s.name);
  const params = parameterInputs(g, config);
  const m = names.map((n) => g.input(trainNames.m(n), "float32", params[n]!.shape));
  const v = names.map((n) => g.input(trainNames.v(n), "float32", params[n]!.shape));
  const step = g.input(trainNames.step, "int64", []); // optimizer steps taken before this run
  const lrs = g.input(trainNames.lrs, "float32", [k]);
  const xs = g.input(trainNames.x, "int32", [k, batch, seqLen]);
  const ys = g.input(trainNames.y, "int32", [k, batch, seqLen]);
  const n = names.length;

  const result = loop(
    { tripCount: k, carried: [...names.map((nm) => params[nm]!), ...m, ...v], name: "steps" },
    ({ iter, carried }) => {
      const p = carried.slice(0, n);
      const byName = Object.fromEntries(names.map((nm, i) => [nm, p[i]!]));
      const x = gather(xs, iter); // (B, T)
      const y = gather(ys, iter); // (B, T)
      const { loss, grads } = lossAndGrads(transformerLm(x, byName, config), y, p); // (B, T, V) logits
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
