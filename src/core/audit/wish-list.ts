import type { Scores } from "../../../domain/types";

export type WishKind = "weak-evidence" | "exciting-weak" | "easy-off-stage";

/**
 * Why a planned, off-constraint item looks like a wish-list item; empty when
 * it does not. "Exciting but weak evidence" replaces the plain weak-evidence
 * reason when both apply. "Easy but off-stage" needs evidence below the strong
 * threshold: strongly evidenced work is not a wish, even when it is off-stage.
 *
 * @example
 * wishListReasons({ impact: 5, evidence: 1, confidence: 3, timing: 3, reasons: [] }, 2)
 * // [{ kind: "exciting-weak", text: "exciting but weak evidence: impact 5/5, evidence 1/5" }]
 */
export function wishListReasons(s: Pick<Scores, "impact" | "evidence" | "confidence" | "timing">, weakMax: number, strongMin = 4) {
  const out: Array<{ kind: WishKind; text: string }> = [];
  if (s.impact >= 4 && s.evidence <= weakMax) {
    out.push({ kind: "exciting-weak", text: `exciting but weak evidence: impact ${s.impact}/5, evidence ${s.evidence}/5` });
  } else if (s.evidence <= weakMax) {
    out.push({ kind: "weak-evidence", text: `weak evidence (${s.evidence}/5) for work off the bottleneck` });
  }
  if (s.confidence >= 4 && s.timing <= 2 && s.evidence < strongMin) {
    out.push({ kind: "easy-off-stage", text: `easy but off-stage: confidence ${s.confidence}/5, timing ${s.timing}/5` });
  }
  return out;
}
