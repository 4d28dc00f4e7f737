// The in-graph AdamW and clipping: CS336's 1000-step Linear problem run as one ONNX Loop (forward, autodiff,
// AdamW per iteration) against PyTorch, and many random steps against the float64 host reference.
import { describe, expect, test } from "bun:test";
import { grad } from "../src/autodiff/gradient.ts";
import { Graph } from "../src/graph/graph.ts";
import { add, mul, sub } from "../src/graph/ops-elementwise.ts";
import { gather } from "../src/graph/ops-index.ts";
import { matMul, reduceSum } from "../src/graph/ops-reduce.ts";
import { loop } from "../src/graph/loop.ts";
import { tensorOf } from "../src/graph/value.ts";
import { adamwStep } from "../src/optim/adamw.ts";
import { adamwInit, adamwStepReference, clipReference } from "./support/reference-optim.ts";
import { Rng } from "../src/random.ts";
import { runGraph } from "../src/runtime/session.ts";
import { clipGradients, runAdamwSteps } from "../src/testing/optim-host.ts";
import { loadReference, referenceValues, relErr } from "@cs336-ts/testkit";

const optim = await loadReference("optim");
const get = (name: string) => referenceValues(optim, name);

describe("AdamW in the graph", () => {
  test("CS336's Linear(3,2): 1000 steps of forward, autodiff and AdamW in one Loop match torch", async () => {
    const g = new Graph("linear_adamw");
    const w0 = g.input("w", "float32", [2, 3]);
    const xs = g.input("xs", "float32", [1000, 3]);
    // y = [x0 + x1, -x2] = A x
    const a = g.constant(tensorOf("float32", [2, 3], [1, 1, 0, 0, 0, -1]));
    const zeros = () => g.constant(tensorOf("float32", [2, 3], new Array(6).fill(0)));
    const out = loop({ tripCount: 1000, carried: [w0, zeros(), zeros()] }, ({ iter, carried }) => {
      const [w, m, v] = carried as [typeof w0, typeof w0, typeof w0];
      const x = gather(xs, iter); // (3)
      const r = sub(matMul(a, x), matMul(w, x)); // (2)
      const loss = reduceSum(mul(r, r), [0]);
      const [gw] = grad(loss, [w]);
      const lr = g.active.scalar(1e-3, "float32");
      const hp = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
      // iter is 0-based; AdamW's step number t is iter + 1.
      const step = adamwStep({ params: [w], m: [m], v: [v] }, [gw!], lr, add(iter, 1), hp);
      return { carried: [step.params[0]!, step.m[0]!, step.v[0]!] };
    });
    g.output("w1000", out.carried[0]!);
    const res = await runGraph(g, {
      w: { dtype: "float32", shape: [2, 3], data: get("linear.w0") },
      xs: { dtype: "float32", shape: [1000, 3], data: get("linear.xs") },
    });
    expect(relErr(res.w1000!.data as Float32Array, get("linear.w1000"))).toBeLessThan(1e-4);
  });

  test("matches the float64 reference over 50 random steps with varying learning rates", async () => {
    const rng = Rng.seeded(11);
    const shapes = [[4, 3], [5], [2, 2, 2]];
    const randn = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.nextNormal() * s);
    const params = shapes.map((shape) => ({ data: randn(shape.reduce((x, y) => x * y)), shape }));
    const grads = Array.from({ length: 50 }, () =>
      params.map((p) => ({ data: randn(p.data.length, 0.1), shape: p.shape })),
    );
    const lrs = Array.from({ length: 50 }, (_, i) => 1e-2 * (1 + Math.sin(i)));
    const hp = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
    const got = await runAdamwSteps(params, grads, lrs, hp);
    const ref = params.map((p) => Float64Array.from(p.data));
    const state = adamwInit(ref);
    for (let s = 0; s < 50; s++) {
      adamwStepReference(
        ref,
        grads[s]!.map((g) => g.data),
        state,
        lrs[s]!,
        hp,
      );
      for (let i = 0; i < ref.length; i++) expect(relErr(got[s]![i]!.data, ref[i]!)).toBeLessThan(1e-5);
    }
  });

  test("rejects mismatched inputs", async () => {
    const p = [{ data: new Float32Array(2), shape: [2] }];
    await expect(
      runAdamwSteps(p, [[p[0]!]], [], { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0 }),
    ).rejects.toThrow(/as many learning rates/);
    await expect(runAdamwSteps(p, [], [], { beta1: 1, beta2: 0.95, eps: 1e-8, weightDecay: 0 })).rejects.toThrow(
      /beta1/,
    );
  });
});

describe("clipping in the graph", () => {
  test("global norm and scaling match torch's rule, above and below the threshold", async () => {
    const rng = Rng.seeded(4);
    const grads = [[3, 4], [7]].map((shape) => ({
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.nextNormal()),
      shape,
    }));
    for (const maxNorm of [0.5, 1e3]) {
      const got = await clipGradients(grads, maxNorm);
      const ref = clipReference(
        grads.map((g) => g.data),
        maxNorm,
      );
      expect(Math.abs(got.norm - ref.norm) / ref.norm).toBeLessThan(1e-6);
      for (let i = 0; i < grads.length; i++) expect(relErr(got.grads[i]!.data, ref.grads[i]!)).toBeLessThan(1e-6);
    }
    await expect(clipGradients(grads, 0)).rejects.toThrow(/max norm must be > 0/);
  });
});
