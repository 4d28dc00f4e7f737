// The gradient-rule contract shared by the rule files and the walker, plus small helpers rules need to read
// their node back (constant int inputs such as axes and slice bounds, attributes).
// A rule returns one gradient per input (null: no gradient), in the op's *output* shape when broadcasting.

import { GraphBuildError } from "../graph/graph.ts";
import type { Node, Value } from "../graph/value.ts";

export type GradContext = {
  node: Node;
  /** gradient of each output; null for outputs the loss does not depend on (at least one is set) */
  dy: readonly (Value | null)[];
  /** whether input i needs a gradient (rules may skip building the others) */
  wants: (i: number) => boolean;
};
export type GradRule = (c: GradContext) => (Value | null)[];

export const input = (c: GradContext, i: number): Value => {
  const v = c.node.inputs[i];
  if (!v) throw new GraphBuildError(`grad ${c.node.opType} (${c.node.name}): input ${i} is missing`);
  return v;
};

export const output = (c: GradContext, i = 0): Value => c.node.outputs[i]!;

/** The first output gradient, for single-output ops (always set when the rule runs). */
export const dy0 = (c: GradContext): Value => c.dy[0]!;

/** The numbers of a Constant int input (axes, pads, slice bounds). */
export function constInts(c: GradContext, i: number): number[] {
  const v = input(c, i);
  const a = v.producer?.opType === "Constant" ? v.producer.attrs.value : undefined;
  if (!a || !("t" in a)) {
    throw new GraphBuildError(`grad ${c.node.opType} (${c.node.name}): input ${i} must be a build-time constant`);
  }
  return Array.from(a.t.data as ArrayLike<number | bigint>, Number);
}

export function intAttr(c: GradContext, name: string): number {
  const a = c.node.attrs[name];
  if (!a || !("i" in a)) throw new GraphBuildError(`grad ${c.node.opType}: attribute ${name} is missing`);
  return a.i;
}

export function stringAttr(c: GradContext, name: string, fallback: string): string {
  const a = c.node.attrs[name];
  return a && "s" in a ? a.s : fallback;
}
