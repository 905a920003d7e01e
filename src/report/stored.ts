/**
 * Reports stored before the flow diagnosis (issue 19) have no `diagnosis`,
 * `followUp`, per-constraint `flow`/`customer`/`summary`, and an older pressure
 * breakdown. The renderers read them through this, so an old audit still
 * renders (its numbers as they were, the new sections empty).
 */
import type { AuditReport, ConstraintPressure } from "../core/audit/schema";

const ZERO = { customer: 0, severity: 0, growth: 0, aging: 0, reopened: 0, carryOver: 0, delivery: 0 };

export function withDiagnosis(report: AuditReport): AuditReport {
  if (report.diagnosis && report.dominant.pressures.every((p) => Array.isArray(p.summary))) return report;
  const pressures: ConstraintPressure[] = report.dominant.pressures.map((p) => ({
    ...p,
    quietOpen: p.quietOpen ?? 0,
    breakdown: { ...ZERO, ...Object.fromEntries(Object.entries(p.breakdown ?? {}).filter(([k]) => k in ZERO)) },
    summary: p.summary ?? [],
  })) as ConstraintPressure[];
  return {
    ...report,
    dominant: { ...report.dominant, pressures },
    diagnosis: report.diagnosis ?? {
      windowDays: 90,
      from: report.at,
      verdict: report.dominant.constraint ? "clear" : "none",
      sentence: "This audit ran before the flow and customer diagnosis; run the audit again to see it.",
      decidingEvidence: [],
      byVolume: null,
      team: { closedInWindow: 0, closedPriorWindow: 0, cycleTimeDays: null, priorCycleTimeDays: null, carryOverRate: null },
      coverage: [],
    },
    followUp: report.followUp ?? null,
  };
}

/**
 * A stored report as the current schema reads it: a report stored before the diagnosis gets
 * the placeholder diagnosis above; anything else (current, or not a report at all) is returned
 * as it is, for the schema to judge.
 */
export function upgradeStoredReport(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || "diagnosis" in raw) return raw;
  try {
    return withDiagnosis(raw as AuditReport);
  } catch {
    return raw;
  }
}
