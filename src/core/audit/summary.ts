import type { AuditReport, AuditSummary } from "./schema";

/**
 * The compact record stored in history for trend analysis.
 *
 * @example
 * await saveAudit(db, summarize(runAudit(input)));
 */
export function summarize(report: AuditReport, id?: string): AuditSummary {
  const counts = { activation: 0, adoption: 0, reliability: 0, operations: 0, throughput: 0, unclassified: report.totals.unclassifiedOpen };
  for (const p of report.dominant.pressures) counts[p.constraint] = p.openCount;
  const summary: AuditSummary = {
    at: report.at,
    dominant: report.dominant.constraint,
    runnerUp: report.dominant.runnerUp,
    margin: report.dominant.margin,
    drift: report.drift.value,
    driftLevel: report.drift.level,
    plannedEffort: report.planned.effort,
    effortBasis: report.planned.basis,
    counts,
    wishListCount: report.wishList.total,
    missingFromPlanCount: report.missingFromPlan.total,
    verdict: report.diagnosis.verdict,
    followUp: report.followUp
      ? { constraint: report.followUp.constraint, days: report.followUp.days, decision: report.followUp.decision, sentence: report.followUp.sentence }
      : null,
  };
  if (id !== undefined) summary.id = id;
  return summary;
}
