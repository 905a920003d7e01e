import type { AuditReport, AuditRow } from "../core/audit/schema";
import { csvRow } from "./escape";

export const CSV_COLUMNS = [
  "tables",
  "key",
  "title",
  "url",
  "tracker",
  "constraint",
  "classification_confidence",
  "state_category",
  "priority",
  "planned",
  "estimate",
  "effort",
  "impact",
  "evidence",
  "confidence",
  "timing",
  "pressure",
  "reasons",
] as const;

/**
 * The report's tables as CSV: one row per issue that appears in any table
 * (evidence, missing_from_plan, wish_list, high_priority_weak_evidence,
 * unclassified_planned), de-duplicated by key; `tables` lists every table the
 * issue is in, separated by `;`. RFC 4180 (CRLF, quoted where needed) and safe
 * against formula injection (see `csvCell`).
 *
 * @example
 * return c.body(renderCsv(report), 200, { "content-type": "text/csv; charset=utf-8" });
 */
export function renderCsv(report: AuditReport): string {
  const sections: Array<[string, AuditRow[]]> = [
    ["evidence", report.dominant.evidence],
    ["missing_from_plan", report.missingFromPlan.rows],
    ["wish_list", report.wishList.rows],
    ["high_priority_weak_evidence", report.flags.highPriorityWeakEvidence.rows],
    ["unclassified_planned", report.flags.unclassifiedPlanned.rows],
  ];
  const byKey = new Map<string, { row: AuditRow; tables: string[]; reasons: string[] }>();
  for (const [name, rows] of sections) {
    for (const row of rows) {
      const seen = byKey.get(row.key);
      if (seen) {
        seen.tables.push(name);
        for (const r of row.reasons) if (!seen.reasons.includes(r)) seen.reasons.push(r);
      } else byKey.set(row.key, { row, tables: [name], reasons: [...row.reasons] });
    }
  }
  const lines = [csvRow(CSV_COLUMNS)];
  for (const { row: r, tables, reasons } of byKey.values()) {
    lines.push(
      csvRow([
        tables.join(";"),
        r.key,
        r.title,
        r.url,
        r.tracker,
        r.constraint,
        r.classificationConfidence,
        r.stateCategory,
        r.priority,
        r.planned,
        r.estimate,
        r.effort,
        r.scores?.impact,
        r.scores?.evidence,
        r.scores?.confidence,
        r.scores?.timing,
        r.pressure,
        reasons.join("; "),
      ]),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
