import type { EffortBasis } from "./schema";

export interface EffortRule {
  basis: EffortBasis;
  /** Effort given to a planned issue without an estimate. */
  fill: number;
  /** Whether known estimates are used at all (false = every planned issue counts 1). */
  useEstimates: boolean;
  note: string;
}

/** Median of a numeric array; sorts a copy, so pass the planned subset only. */
export function median(values: ArrayLike<number>): number {
  const a = Float64Array.from(values as ArrayLike<number>).sort();
  const n = a.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}

/**
 * Decides how planned effort is counted.
 * - every planned issue has an estimate → `estimate`;
 * - none has (or known estimates sum to 0) → `count`: each counts 1;
 * - some have → `mixed`: each missing estimate counts as the median of the known ones (1 if that median is 0).
 *
 * @example
 * effortRule([3, 5, 8], 2) // { basis: "mixed", fill: 5, ... }
 */
export function effortRule(known: number[], unknownCount: number): EffortRule {
  const sum = known.reduce((a, b) => a + b, 0);
  if (known.length === 0 || sum <= 0) {
    return {
      basis: "count",
      fill: 1,
      useEstimates: false,
      note: known.length + unknownCount === 0 ? "No planned work." : "No usable estimates on planned work, so each planned issue counts as 1.",
    };
  }
  if (unknownCount === 0) {
    return { basis: "estimate", fill: 0, useEstimates: true, note: "Every planned issue has an estimate; effort is the sum of estimates." };
  }
  const mid = median(known);
  // A zero median (many 0-point items) would make unestimated work invisible.
  const fill = mid > 0 ? mid : 1;
  return {
    basis: "mixed",
    fill,
    useEstimates: true,
    note: `${known.length} planned issue${known.length === 1 ? " has" : "s have"} estimates and ${unknownCount} ${unknownCount === 1 ? "does" : "do"} not; each missing estimate counts as the median of the known ones (${round(fill)}, or 1 if that median is 0).`,
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
