/** Applying a pack's confidence calibration (fitted by `fitCalibration` in `rules/evaluate.ts`), and choosing a write-back threshold. Pure. */
import type { Calibration, OperatingPoint } from "../model/schema";

/** Verdicts a measured threshold must rest on, so that one lucky verdict does not set it. */
export const MIN_OPERATING_ROWS = 20;

/**
 * The calibrated probability of a raw confidence: linear between knots, flat beyond the ends.
 *
 * @example
 * applyCalibration({ method: "isotonic", rows: 2, points: [[0.5, 0.4], [0.9, 0.8]] }, 0.7) // => 0.6
 */
export function applyCalibration(cal: Calibration | null, score: number): number {
  if (!cal || cal.points.length === 0) return score;
  const pts = cal.points;
  if (score <= pts[0]![0]) return pts[0]![1];
  const last = pts[pts.length - 1]!;
  if (score >= last[0]) return last[1];
  let lo = 0;
  let hi = pts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (pts[mid]![0] <= score) lo = mid;
    else hi = mid;
  }
  const [x0, y0] = pts[lo]!;
  const [x1, y1] = pts[hi]!;
  return x1 === x0 ? y1 : y0 + ((y1 - y0) * (score - x0)) / (x1 - x0);
}

/**
 * The lowest threshold whose precision meets `target`, among points resting on at least
 * `minRows` verdicts (so one lucky verdict does not set it). Null when none does.
 *
 * @example
 * chooseThreshold(curve, 0.95) // { threshold: 0.81, precision: 0.953, coverage: 0.62, rows: 974 }
 */
export function chooseThreshold(curve: readonly OperatingPoint[], target: number, minRows = MIN_OPERATING_ROWS): OperatingPoint | null {
  for (const p of curve) if (p.rows >= minRows && p.precision >= target) return p;
  return null;
}
