// Autodiff beyond single rules: the composed cross-entropy's gradient equals (softmax - onehot) / N,
// gradients through symbolic batch dims, only nodes between loss and wrt are visited, and a Loop whose body
// runs forward + backward + an SGD step matches the same steps computed on the host.

import { describe, expect, test } from "bun:test";
import {
  add,
  crossEntropy,
  emitModel,
  exp,
  Graph,
  grad,
  linear,
  loop,
  mul,
  reduceMean,
  reduceSum,
  stableSoftmax,
  sub,
  tensorOf,
} from "../src/graph/index.ts";
import { runGraph, Session } from "../src/runtime/index.ts";

describe("autodiff", () => {
  test("cross-entropy gradient is (softmax - onehot) / N, also for logits ×1000", async () => {
    const [n, v] = [3, 5];
    const g = new Graph("ce");
    const logits = g.input("logits", "float64", [n, v]);
    const targets = g.input("targets", "int32", [n]);
    const loss = crossEntropy(logits, targets);
    const [dl] = grad(loss, [logits]);
    g.output("loss", loss);
    g.output("dl", dl!);
    const s = await Session.create(emitModel(g));
    for (const scale of [1, 1000]) {
      const x = Array.from({ length: n * v }, (_, i) => Math.sin(i * 1.7) * scale);
      const t = [4, 0, 2];
      const r = await s.run({ logits: tensorOf("float64", [n, v], x), targets: tensorOf("int32", [n], t) });
      for (let row = 0; row < n; row++) {
        const xs = x.slice(row * v, row * v + v);
        const m = Math.max(...xs);
        const z = xs.reduce((a, b) => a + Math.exp(b - m), 0);
        for (let j = 0; j < v; j++) {
          const want = (Math.exp(xs[j]! - m) / z - (j === t[row] ? 1 : 0)) / n;
          expect(r.dl!.data[row * v + j] as number).toBeCloseTo(want, 12);
        }
      }
      expect(Number.isFinite(r.loss!.data[0] as number)).toBe(true);
    }
    await s.release();
  });

  test("gradients through symbolic batch dims run for any batch size", async () => {
    const g = new Graph("sym");
    const x = g.input("x", "float64", ["B", 3]);
    const w = g.input("w", "float64", [2, 3]);
    const b = g.input("b", "float64", [2]);
    const y = stableSoftmax(add(linear(x, w), b), -1); // (B, 2)
    const loss = reduceMean(mul(y, y), [0, 1]);
    const [dx, dw, db] = grad(loss, [x, w, b]);
    g.output("dx", dx!);
    g.output("dw", dw!);
    g.output("db", db!);
    expect(dx!.shape).toEqual(["B", 3]);
    const s = await Session.create(emitModel(g));
    const wv = tensorOf("float64", [2, 3], [0.1, -0.2, 0.3, 0.4, 0.5, -0.6]);
    const bv = tensorOf("float64", [2], [0.05, -0.05]);
    for (const batch of [1, 4]) {
      const xv = tensorOf(
        "float64",
        [batch, 3],
        Array.from({ length: batch * 3 }, (_, i) => Math.cos(i)),
      );
      const r = await s.run({ x: xv, w: wv, b: bv });
      expect(r.dx!.shape).toEqual([batch, 3]);
      expect(r.dw!.shape).toEqual([2, 3]);
      // one weight against a central difference of a forward-only graph
      const h = 1e-6;
      const lossOf = async (delta: number) => {
        const g2 = new Graph("sym_fwd");
        const x2 = g2.input("x", "float64", ["B", 3]);
        const w2 = g2.input("w", "float64", [2, 3]);
        const b2 = g2.input("b", "float64", [2]);
        const y2 = stableSoftmax(add(linear(x2, w2), b2), -1);
        g2.output("loss", reduceMean(mul(y2, y2), [0, 1]));
        const wd = tensorOf(
          "float64",
          [2, 3],
          Array.from(wv.data as Float64Array, (e, i) => (i === 4 ? e + delta : e)),
        );
        return (await runGraph(g2, { x: xv, w: wd, b: bv })).loss!.data[0] as number;
      };
      const numeric = ((await lossOf(h)) - (await lossOf(-h))) / (2 * h);
      expect(r.dw!.data[4] as number).toBeCloseTo(numeric, 8);
    }
    await s.release();
  });

  test("only nodes between loss and wrt get backward nodes; unreached wrt gets zeros", () => {
    const g = new Graph("paths");
    const a = g.input("a", "float32", [4]);
    const b = g.input("b", "float32", [4]);
    const c = g.input("c", "float32", [4]);
    const loss = add(reduceSum(exp(a), [0]), reduceSum(mul(b, b), [0])); // c unused
    const before = g.nodes.length;
    const [da, dc] = grad(loss, [a, c]);
    const added = g.nodes.slice(before);
    // the b branch (Mul) needs no gradient: no Mul-rule nodes under its scope
    expect(added.some((n) => n.name.startsWith("grad.Mul"))).toBe(false);
    expect(added.some((n) => n.name.startsWith("grad.Exp"))).toBe(true);
    expect(da!.shape).toEqual([4]);
    expect(dc!.producer!.opType).toBe("ConstantOfShape");
  });

  test("a Loop of SGD steps with the backward inside the body matches the host", async () => {
    // minimize mean((w·x - y)^2) over fixed data, K steps of w -= lr * grad
    const g = new Graph("sgd");
    const w0 = g.input("w", "float64", [1, 3]);
    const xs = g.input("xs", "float64", [4, 3]);
    const ys = g.input("ys", "float64", [4, 1]);
    const lr = 0.1;
    const { carried, scans } = loop({ tripCount: 5, carried: [w0] }, ({ carried: [w] }) => {
      const err = sub(linear(xs, w!), ys); // (4, 1)
      const loss = reduceMean(mul(err, err), [0, 1]);
      const [dw] = grad(loss, [w!]);
      return { carried: [sub(w!, mul(dw!, lr))], scans: [loss] };
    });
    g.output("w_final", carried[0]!);
    g.output("losses", scans[0]!);
    const X = [1, 0, 2, 0, 1, 1, 1, 1, 0, 2, -1, 1];
    const Y = [1, 2, 3, -1];
    const r = await runGraph(g, {
      w: tensorOf("float64", [1, 3], [0, 0, 0]),
      xs: tensorOf("float64", [4, 3], X),
      ys: tensorOf("float64", [4, 1], Y),
    });
    const w = [0, 0, 0];
    const losses: number[] = [];
    for (let k = 0; k < 5; k++) {
      const err = Y.map((y, i) => w[0]! * X[i * 3]! + w[1]! * X[i * 3 + 1]! + w[2]! * X[i * 3 + 2]! - y);
      losses.push(err.reduce((s, e) => s + e * e, 0) / 4);
      const gw = [0, 1, 2].map((j) => err.reduce((s, e, i) => s + (2 * e * X[i * 3 + j]!) / 4, 0));
      for (let j = 0; j < 3; j++) w[j] = w[j]! - lr * gw[j]!;
    }
    for (const [k, l] of (r.losses!.data as Float64Array).entries()) expect(l).toBeCloseTo(losses[k]!, 12);
    for (const [j, v] of (r.w_final!.data as Float64Array).entries()) expect(v).toBeCloseTo(w[j]!, 12);
  });
});
