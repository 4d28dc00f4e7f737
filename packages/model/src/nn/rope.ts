// Rotary position embeddings (Su et al. 2021; CS336 assignment 1 §3.4.3) on interleaved pairs: (x[2k], x[2k+1])
// at position p is rotated by p · Θ^(-2k/d). The cos/sin tables are computed once on the host in float64 up to
// the context length and enter the graph as constants; positions are a run-time int input, gathered from them
// (host callers check them against maxSeqLen: checkPositions). Leaves out: the half-split (GPT-NeoX) layout,
// and scaling tricks for extending the context.

import { activeGraph, describe } from "../graph/graph.ts";
import { add, mul, sub } from "../graph/ops-elementwise.ts";
import { gather } from "../graph/ops-index.ts";
import { concat, reshape, split, unsqueeze } from "../graph/ops-shape.ts";
import { type TensorData, tensorOf, type Value } from "../graph/value.ts";

export type RopeTables = { cos: TensorData; sin: TensorData; dHead: number; maxSeqLen: number };

/** cos/sin [maxSeqLen, dHead/2] of angle p · theta^(-2k/dHead), computed in float64, stored float32. */
export function ropeTables(dHead: number, theta: number, maxSeqLen: number): RopeTables {
  if (!Number.isInteger(dHead) || dHead < 2 || dHead % 2 !== 0) {
    throw new RangeError(`RoPE needs an even head size, got ${dHead}`);
  }
  if (!Number.isInteger(maxSeqLen) || maxSeqLen < 1) throw new RangeError(`maxSeqLen must be >= 1, got ${maxSeqLen}`);
  const half = dHead / 2;
  const cos = new Float64Array(maxSeqLen * half);
  const sin = new Float64Array(maxSeqLen * half);
  for (let p = 0; p < maxSeqLen; p++) {
    for (let k = 0; k < half; k++) {
      const angle = p * theta ** ((-2 * k) / dHead);
      cos[p * half + k] = Math.cos(angle);
      sin[p * half + k] = Math.sin(angle);
    }
  }
  return {
    cos: tensorOf("float32", [maxSeqLen, half], cos),
    sin: tensorOf("float32", [maxSeqLen, half], sin),
    dHead,
    maxSeqLen,
  };
}

/** The tables' rows for `positions` (..., T) int: cos, sin (..., T, dHead/2, 1), ready to broadcast over pairs. */
function ropeAngles(tables: RopeTables, positions: Value, dtype: Value["dtype"] = "float32"): [Value, Value] {
  const g = activeGraph("rope", positions);
  if (positions.dtype !== "int64" && positions.dtype !== "int32") {
    throw g.error("rope", `positions must be int32/int64, got ${describe(positions)}`);
  }
  const cast = (t: TensorData): TensorData =>
    dtype === t.dtype ? t : tensorOf(dtype, t.shape, t.data as Float32Array);
  const cos = unsqueeze(gather(g.constant(cast(tables.cos)), positions), [-1]); // (..., T, d/2, 1)
  const sin = unsqueeze(gather(g.constant(cast(tables.sin)), positions), [-1]); // (..., T, d/2, 1)
  return [cos, sin];
}

/**
 * Rotates x (..., T, dHead) by precomputed angles (from `ropeAngles`, broadcasting against x's leading axes,
 * e.g. (T, d/2, 1) or (B, 1, T, d/2, 1) for x (B, H, T, d)). Returns (..., T, dHead).
 */
export function applyRope(x: Value, cos: Value, sin: Value): Value {
  const g = activeGraph("rope", x, cos, sin);
  const d = x.shape[x.rank - 1];
  if (typeof d !== "number" || d % 2 !== 0) throw g.error("rope", `x ${describe(x)} needs a static even last dim`);
  const pairs = reshape(x, [...x.shape.slice(0, -1), d / 2, 2]); // (..., T, d/2, 2)
  const [x0, x1] = split(pairs, -1, [1, 1]) as [Value, Value]; // (..., T, d/2, 1) each
  const r0 = sub(mul(x0, cos), mul(x1, sin));
  const r1 = add(mul(x0, sin), mul(x1, cos));
  return reshape(concat([r0, r1], -1), x.shape); // (..., T, dHead)
}

/** Angles for positions (T) or (B, T), shaped to broadcast over multi-head pairs (B, H, T, d/2, 1). */
export function headRopeAngles(tables: RopeTables, positions: Value): { cos: Value; sin: Value } {
  const [cos, sin] = ropeAngles(tables, positions); // (T, d/2, 1) or (B, T, d/2, 1)
  if (positions.rank === 1) return { cos, sin };
  if (positions.rank === 2) return { cos: unsqueeze(cos, [1]), sin: unsqueeze(sin, [1]) }; // (B, 1, T, d/2, 1)
  throw activeGraph("rope", positions).error("rope", `positions must be (T) or (B, T), got ${describe(positions)}`);
}

/** RoPE on x (..., T, dHead) with positions (..., T) that right-align with x's axes before T. */
export function rope(x: Value, positions: Value, tables: RopeTables): Value {
  const [cos, sin] = ropeAngles(tables, positions, x.dtype);
  return applyRope(x, cos, sin);
}
