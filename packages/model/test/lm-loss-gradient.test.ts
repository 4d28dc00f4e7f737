// The training path's hand-built first backward step: lmLossWithGradient's dLogits equals autodiff of lmLoss
// (float64, exact up to rounding) and its loss is lmLoss's; grad(y, wrt, seed) is the vector-Jacobian product
// sum(y · seed) and rejects a seed of another shape. Symbolic shapes get null (callers fall back to autodiff).

import { describe, expect, test } from "bun:test";
import { grad } from "../src/autodiff/gradient.ts";
import { Graph } from "../src/graph/graph.ts";
import { tanh } from "../src/graph/ops-elementwise.ts";
import { tensorOf } from "../src/graph/value.ts";
import { lmLoss, lmLossWithGradient } from "../src/nn/lm.ts";
import { Rng } from "../src/random.ts";
import { runGraph } from "../src/runtime/session.ts";

describe("lmLossWithGradient", () => {
  test("dLogits and loss equal autodiff through lmLoss (float64)", async () => {
    const [b, t, v] = [2, 3, 7];
    const rng = Rng.seeded(11);
    const g = new Graph("loss_grad");
    const logits = g.input("logits", "float64", [b, t, v]);
    const targets = g.input("targets", "int32", [b, t]);
    const auto = lmLoss(logits, targets);
    const [dAuto] = grad(auto, [logits]);
    const built = lmLossWithGradient(logits, targets)!;
    g.output("loss_auto", auto);
    g.output("d_auto", dAuto!);
    g.output("loss", built.loss);
    g.output("d", built.dLogits);
    const out = await runGraph(g, {
      logits: tensorOf(
        "float64",
        [b, t, v],
        Float64Array.from({ length: b * t * v }, () => 3 * rng.nextNormal()),
      ),
      // a repeated target and the last class
      targets: tensorOf("int32", [b, t], [0, 6, 6, 3, 1, 6]),
    });
    expect(out.loss!.data[0]).toBeCloseTo(out.loss_auto!.data[0] as number, 12);
    const [d, da] = [out.d!.data as Float64Array, out.d_auto!.data as Float64Array];
    expect(out.d!.shape).toEqual([b, t, v]);
    let worst = 0;
    for (let i = 0; i < d.length; i++) worst = Math.max(worst, Math.abs(d[i]! - da[i]!));
    expect(worst).toBeLessThan(1e-14);
    // each row of (softmax - onehot) / N sums to zero
    for (let r = 0; r < b * t; r++) {
      let s = 0;
      for (let j = 0; j < v; j++) s += d[r * v + j]!;
      expect(Math.abs(s)).toBeLessThan(1e-15);
    }
  });

  test("symbolic shapes: null", () => {
    const g = new Graph("sym");
    const logits = g.input("logits", "float32", ["B", "T", 5]);
    expect(lmLossWithGradient(logits, g.input("targets", "int32", ["B", "T"]))).toBeNull();
  });
});

describe("grad with a seed", () => {
  test("is the vector-Jacobian product; a mis-shaped seed is refused", async () => {
    const g = new Graph("vjp");
    const x = g.input("x", "float64", [2, 3]);
    const seed = g.input("seed", "float64", [2, 3]);
    const y = tanh(x);
    g.output("dx", grad(y, [x], seed)[0]!);
    const other = new Graph("other");
    const z = tanh(other.input("z", "float64", [2, 3]));
    expect(() => grad(z, [z], other.input("bad", "float64", [3]))).toThrow(/seed .* must have the dtype and shape/);
    const xs = [0.1, -0.5, 2, 0, 1, -3];
    const ss = [1, 2, -1, 0.5, 3, -2];
    const out = await runGraph(g, { x: tensorOf("float64", [2, 3], xs), seed: tensorOf("float64", [2, 3], ss) });
    const dx = out.dx!.data as Float64Array;
    for (const [i, xv] of xs.entries()) expect(dx[i]).toBeCloseTo(ss[i]! * (1 - Math.tanh(xv) ** 2), 12);
  });
});
