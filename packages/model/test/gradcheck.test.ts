// One loop over the whole gradient table: every rule against float64 central differences (see
// gradcheck-cases.ts). The loss is sum(out * R) with a fixed random R so that upstream gradients are not all
// ones. One ORT session per case, one run per perturbation; shapes are tiny so the whole table takes ~1 s.

import { describe, expect, test } from "bun:test";
import {
  add,
  emitModel,
  GRAD_RULES,
  Graph,
  grad,
  loop,
  mul,
  OP_TYPES,
  reduceSum,
  tensorOf,
  type TensorData,
  type Value,
} from "../src/graph/index.ts";
import { Session } from "../src/runtime/index.ts";
import { Rng } from "../src/random.ts";
import { buildNoGradientNode, GRAD_CASES, type GradCase, type InputKind } from "./support/gradcheck-cases.ts";

const H = 1e-6;
const TOL = 1e-6;

function sample(rng: Rng, kind: InputKind): number {
  const u = rng.nextFloat();
  if (kind === "p") return 0.5 + 1.5 * u;
  if (kind === "z") return (rng.nextFloat() < 0.5 ? -1 : 1) * (0.5 + u);
  return 2 * u - 1;
}

const sumAll = (v: Value) =>
  v.rank === 0
    ? v
    : reduceSum(
        v,
        v.shape.map((_, i) => i),
      );

/** Max relative error between the analytic and the numeric gradient of one case. */
async function checkCase(op: string, c: GradCase, rng: Rng): Promise<number> {
  const g = new Graph(`check_${op}`);
  const xs = c.inputs.map(([shape], i) => g.input(`x${i}`, "float64", shape));
  const outs = [c.build(g, xs)].flat();
  expect(g.nodes.some((n) => n.opType === op)).toBe(true); // the case really exercises the op
  let loss: Value | null = null;
  for (const o of outs) {
    const shape = o.shape as number[];
    const r = g.constant(
      tensorOf(
        "float64",
        shape,
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => sample(rng, "u")),
      ),
    );
    const term = sumAll(mul(o, r));
    loss = loss ? add(loss, term) : term;
  }
  const grads = grad(loss!, xs);
  g.output("loss", loss!);
  for (const [i, gv] of grads.entries()) g.output(`grad${i}`, gv);

  const feeds: Record<string, TensorData> = {};
  c.inputs.forEach(([shape, kind], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    feeds[`x${i}`] = tensorOf(
      "float64",
      shape,
      Array.from({ length: n }, () => sample(rng, kind ?? "u")),
    );
  });
  const session = await Session.create(emitModel(g));
  try {
    const analytic = await session.run(feeds);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = feeds[`x${i}`]!.data as Float64Array;
      const gi = analytic[`grad${i}`]!;
      expect(gi.shape).toEqual(c.inputs[i]![0]);
      for (let j = 0; j < x.length; j++) {
        const keep = x[j]!;
        x[j] = keep + H;
        const up = (await session.run(feeds, ["loss"])).loss!.data[0] as number;
        x[j] = keep - H;
        const down = (await session.run(feeds, ["loss"])).loss!.data[0] as number;
        x[j] = keep;
        const numeric = (up - down) / (2 * H);
        const a = gi.data[j] as number;
        worst = Math.max(worst, Math.abs(a - numeric) / (1 + Math.abs(numeric)));
      }
    }
    return worst;
  } finally {
    await session.release();
  }
}

describe("gradient table vs float64 central differences", () => {
  test("every op type has a rule and a check", () => {
    for (const op of OP_TYPES) {
      expect(typeof GRAD_RULES[op]).toBe("function");
      const checks = GRAD_CASES[op];
      expect(checks === undefined ? `${op}: no gradient check` : op).toBe(op);
      if (Array.isArray(checks)) expect(checks.length).toBeGreaterThan(0);
    }
  });

  for (const op of OP_TYPES) {
    const checks = GRAD_CASES[op];
    if (!Array.isArray(checks)) continue;
    test(`${op}: ${checks.length} case(s)`, async () => {
      const rng = Rng.seeded(op.length * 7919 + op.charCodeAt(0));
      for (const [k, c] of checks.entries()) {
        const err = await checkCase(op, c, rng);
        expect({ case: k, ok: err < TOL, err }).toEqual({ case: k, ok: true, err });
      }
    });
  }

  test("ops without a gradient return null from their rule", () => {
    for (const op of OP_TYPES) {
      const checks = GRAD_CASES[op];
      if (Array.isArray(checks) || op === "Loop") continue;
      const g = new Graph("nograd");
      const out = buildNoGradientNode(op, g);
      expect(out?.producer?.opType).toBe(op);
      const node = out!.producer!;
      const grads = GRAD_RULES[op]({ node, dy: [out], wants: () => true });
      expect(grads).toEqual(node.inputs.map(() => null));
    }
  });

  test("Loop: differentiating through it is a clear build error; grad inside the body works", () => {
    const g = new Graph("loopgrad");
    const w = g.input("w", "float64", [2]);
    const { carried } = loop({ tripCount: 2, carried: [w] }, ({ carried: [p] }) => {
      const [dp] = grad(reduceSum(mul(p!, p!), [0]), [p!]);
      return { carried: [add(p!, mul(dp!, -0.25))] };
    });
    expect(() => grad(reduceSum(carried[0]!, [0]), [w])).toThrow(/cannot differentiate through Loop/);
  });
});
