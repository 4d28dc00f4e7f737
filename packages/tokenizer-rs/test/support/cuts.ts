// The safe-cut rule asked one position at a time, for the property tests: a cut at `p` is safe exactly
// when the core's search over [p, p + 1) finds it (src/cuts.rs `is_safe_cut`, through ts/cuts.ts).
import { firstSafeCut } from "../../ts/cuts.ts";

export function isSafeCut(
  data: Uint8Array,
  p: number,
  specials: readonly Uint8Array[],
  cutAt: readonly Uint8Array[] = specials,
): boolean {
  return p > 0 && p < data.length && firstSafeCut(data, p, p + 1, specials, cutAt) === p;
}
