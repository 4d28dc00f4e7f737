// ONNX Loop: a body graph run tripCount times (or until its condition output is false), threading
// loop-carried values and stacking per-iteration scan outputs along a new leading axis. The body is built with
// the same op functions and may read outer-scope values (ONNX allows it). Autodiff does not differentiate
// through Loop: build the backward inside the body instead.

import { activeGraph, describe, type Graph } from "./graph.ts";
import { sameShape } from "./shape.ts";
import { type Dim, tensorOf, type Value } from "./value.ts";

export type LoopBodyArgs = {
  /** the iteration number, int64 scalar */
  iter: Value;
  /** the incoming condition, bool scalar */
  cond: Value;
  /** the loop-carried values as seen by this iteration */
  carried: Value[];
  /** the body graph (for `body.input`-free helpers such as constants) */
  body: Graph;
};
export type LoopBodyResult = { cond?: Value; carried: Value[]; scans?: Value[] };

export type LoopOptions = {
  /** number of iterations: a build-time number or an int64 scalar Value */
  tripCount: number | Value;
  /** initial condition (bool scalar); defaults to always true */
  cond?: Value;
  /** initial loop-carried values */
  carried: readonly Value[];
  /** scope-like name for the body graph and its inputs */
  name?: string;
};

/** Builds a Loop node; returns the final carried values and the stacked scan outputs ([tripCount, ...]). */
export function loop(
  opts: LoopOptions,
  buildBody: (args: LoopBodyArgs) => LoopBodyResult,
): { carried: Value[]; scans: Value[] } {
  const outer = activeGraph("Loop", ...opts.carried, opts.cond, opts.tripCount);
  const base = outer.ctx.fresh(opts.name ?? "loop");
  const trip =
    typeof opts.tripCount === "number" ? outer.constant(tensorOf("int64", [], [opts.tripCount])) : opts.tripCount;
  if (trip.dtype !== "int64" || trip.rank !== 0)
    throw outer.error("Loop", `tripCount must be an int64 scalar, got ${describe(trip)}`);
  if (opts.cond && (opts.cond.dtype !== "bool" || opts.cond.rank !== 0)) {
    throw outer.error("Loop", `cond must be a bool scalar, got ${describe(opts.cond)}`);
  }

  const body = outer.subgraph(`${base}_body`);
  const iter = body.input(`${base}/iter`, "int64", []);
  const condIn = body.input(`${base}/cond`, "bool", []);
  const carriedIn = opts.carried.map((v, i) => body.input(`${base}/carried_${i}`, v.dtype, v.shape));
  const result = body.buildIn(() => buildBody({ iter, cond: condIn, carried: carriedIn, body }));

  if (result.carried.length !== opts.carried.length) {
    throw outer.error("Loop", `body returned ${result.carried.length} carried values, expected ${opts.carried.length}`);
  }
  result.carried.forEach((v, i) => {
    const want = opts.carried[i]!;
    if (v.dtype !== want.dtype || !sameShape(v.shape, want.shape)) {
      throw outer.error(
        "Loop",
        `carried value ${i} changes type in the body: ${describe(want)} in, ${describe(v)} out`,
      );
    }
  });
  const scans = result.scans ?? [];
  body.output(`${base}/cond_out`, result.cond ?? condIn);
  for (const [i, v] of result.carried.entries()) body.output(`${base}/carried_out_${i}`, v);
  for (const [i, v] of scans.entries()) body.output(`${base}/scan_${i}`, v);

  const n: Dim = typeof opts.tripCount === "number" ? opts.tripCount : `${base}_trips`;
  const outs = [
    ...opts.carried.map((v) => ({ dtype: v.dtype, shape: v.shape })),
    ...scans.map((v) => ({ dtype: v.dtype, shape: [n, ...v.shape] })),
  ];
  const values = outer.addNode("Loop", [trip, opts.cond ?? null, ...opts.carried], { body: { g: body } }, outs);
  return { carried: values.slice(0, opts.carried.length), scans: values.slice(opts.carried.length) };
}
