// Build-time shape algebra: numpy broadcasting over static and symbolic dims, element counts of symbolic
// shapes (a dim like "B*T" is the product of its factors), and axis normalization. A symbolic dim never
// broadcasts against a number other than 1: we cannot prove they agree, so it is an error at build time.

import type { Dim, Shape } from "./value.ts";

/** A dim as (numeric factor, sorted symbol list): "2*B*T" → [2, ["B", "T"]]. */
export function factorDim(d: Dim): [number, string[]] {
  if (typeof d === "number") return [d, []];
  let k = 1;
  const syms: string[] = [];
  for (const part of d.split("*").map((s) => s.trim())) {
    if (/^\d+$/.test(part)) k *= Number(part);
    else syms.push(part);
  }
  return [k, syms.sort()];
}

/** Canonical form of a product of dims: a number when static, else "k*A*B" with sorted symbols. */
export function productDim(dims: readonly Dim[]): Dim {
  let k = 1;
  const syms: string[] = [];
  for (const d of dims) {
    const [f, s] = factorDim(d);
    k *= f;
    syms.push(...s);
  }
  if (syms.length === 0 || k === 0) return k;
  syms.sort();
  return k === 1 ? syms.join("*") : `${k}*${syms.join("*")}`;
}

export function sameDim(a: Dim, b: Dim): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return String(productDim([a])) === String(productDim([b]));
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => sameDim(d, b[i]!));
}

/** numpy broadcasting of several shapes; null when incompatible. */
export function broadcastShapes(...shapes: Shape[]): Dim[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = s[s.length - rank + i] ?? 1;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (!sameDim(d, e)) return null;
    }
    out.push(d);
  }
  return out;
}

/**
 * Axes of `out` that a tensor of shape `inp` was broadcast along (leading extra axes and axes where `inp` is 1
 * but `out` is not), as reduce axes of `out`.
 */
export function broadcastAxes(inp: Shape, out: Shape): number[] {
  const lead = out.length - inp.length;
  const axes: number[] = [];
  for (let i = 0; i < out.length; i++) {
    if (i < lead) axes.push(i);
    else if (inp[i - lead] === 1 && out[i] !== 1) axes.push(i);
  }
  return axes;
}

/** Normalizes a possibly negative axis for a tensor of `rank`; null when out of range. */
export function normAxis(axis: number, rank: number): number | null {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) return null;
  return axis < 0 ? axis + rank : axis;
}
