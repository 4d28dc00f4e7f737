// Reverse-mode autodiff over the IR: grad(loss, wrt) adds backward nodes to the active graph. The walker
// visits, in reverse creation (= topological) order, only nodes that lie between `wrt` and `loss`; it sums
// fan-out and un-broadcasts each rule's result once (ReduceSum over broadcast axes + Reshape), so rules
// return gradients in the op's output shape. Reference: tinygrad gradient.py. Leaves out higher-order grads
// of Loop (never differentiated through) and complex dtypes.

import { GraphBuildError } from "../graph/graph.ts";
import { add } from "../graph/ops-elementwise.ts";
import { expandAs, reshapeAs, zerosLike } from "../graph/ops-shape.ts";
import { reduceSum } from "../graph/ops-reduce.ts";
import { broadcastAxes, sameShape } from "../graph/shape.ts";
import { formatShape, isFloat, type Node, tensorOf, type Value } from "../graph/value.ts";
import { GRAD_RULES } from "./rules.ts";

/** Inputs a node reads, including outer-scope values its subgraphs (Loop bodies) read. */
function dependencies(node: Node): Value[] {
  const deps = node.inputs.filter((v): v is Value => v !== null);
  for (const a of Object.values(node.attrs)) {
    if (!("g" in a)) continue;
    const body = a.g;
    for (const n of body.nodes) {
      for (const v of dependencies(n)) {
        let inside = false;
        for (let g: typeof v.graph | null = v.graph; g; g = g.parent) if (g === body) inside = true;
        if (!inside) deps.push(v);
      }
    }
  }
  return deps;
}

/** Sums `grad` over the axes it was broadcast along so that it has `x`'s shape. */
export function unbroadcast(grad: Value, x: Value): Value {
  if (sameShape(grad.shape, x.shape)) return grad;
  if (grad.rank < x.rank) {
    throw new GraphBuildError(`grad: gradient ${formatShape(grad.shape)} cannot flow to ${x} (lower rank)`);
  }
  const axes = broadcastAxes(x.shape, grad.shape);
  const summed = axes.length > 0 ? reduceSum(grad, axes, false) : grad;
  return reshapeAs(summed, x);
}

function sum(vs: Value[]): Value {
  let acc = vs[0]!;
  for (const v of vs.slice(1)) acc = add(acc, v);
  return acc;
}

/**
 * Gradients of `loss` (any float shape; a non-scalar loss is seeded with ones) with respect to each of `wrt`,
 * built in the active graph. A `wrt` the loss does not depend on gets zeros. `seed`, loss-shaped, replaces
 * the ones (a vector-Jacobian product, torch's `grad_outputs`): the gradients of sum(loss · seed), used when
 * a caller builds d loss / d output itself (the LM's cross-entropy, nn/lm.ts).
 */
export function grad(loss: Value, wrt: readonly Value[], seed?: Value): Value[] {
  const g = loss.graph.active;
  if (!isFloat(loss.dtype)) throw g.error("grad", `loss must be a float tensor, got ${loss}`);
  if (seed && (seed.dtype !== loss.dtype || !sameShape(seed.shape, loss.shape))) {
    throw g.error("grad", `seed ${seed} must have the dtype and shape of ${loss}`);
  }
  for (const w of wrt) {
    if (!isFloat(w.dtype)) {
      throw g.error("grad", `gradient requested for ${w}, which is ${w.dtype}: only float values have gradients`);
    }
  }

  // Nodes the loss depends on (backward from loss) …
  const ancestors = new Set<Node>();
  const stack: Value[] = [loss];
  while (stack.length > 0) {
    const n = stack.pop()!.producer;
    if (!n || ancestors.has(n)) continue;
    ancestors.add(n);
    stack.push(...dependencies(n));
  }
  // … that depend on some wrt (forward, in creation order).
  const order = [...ancestors].sort((a, b) => a.seq - b.seq);
  const active = new Set<Value>(wrt);
  const onPath: Node[] = [];
  for (const n of order) {
    if (dependencies(n).some((v) => active.has(v))) {
      onPath.push(n);
      for (const o of n.outputs) if (isFloat(o.dtype)) active.add(o);
    }
  }

  const contributions = new Map<Value, Value[]>();
  const contribute = (v: Value, gv: Value) => {
    const list = contributions.get(v);
    if (list) list.push(gv);
    else contributions.set(v, [gv]);
  };
  const one = seed ? null : g.constant(tensorOf(loss.dtype, [], [1]));
  contribute(loss, seed ?? (loss.rank === 0 ? one! : expandAs(one!, loss)));

  g.scope("grad", () => {
    for (const node of onPath.reverse()) {
      const dy = node.outputs.map((o) => {
        const list = contributions.get(o);
        return list ? sum(list) : null;
      });
      if (dy.every((d) => d === null)) continue;
      const wants = (i: number) => {
        const v = node.inputs[i];
        return v !== null && v !== undefined && active.has(v);
      };
      const grads = g.scope(node.scope || node.opType, () => GRAD_RULES[node.opType]({ node, dy, wants }));
      if (grads.length !== node.inputs.length) {
        throw new GraphBuildError(
          `grad rule for ${node.opType} returned ${grads.length} gradients for ${node.inputs.length} inputs`,
        );
      }
      grads.forEach((gv, i) => {
        const x = node.inputs[i];
        if (!gv || !x || !wants(i)) return;
        contribute(x, unbroadcast(gv, x));
      });
    }
  });

  return wrt.map((w) => {
    const list = contributions.get(w);
    return list ? sum(list) : zerosLike(w);
  });
}
