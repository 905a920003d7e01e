/**
 * `backlog-audit audit FILE [--format md|json|csv|html] [--out FILE] [--rules PACK] [--input jsonl|gh|jira-csv|linear-csv]
 * [--focus C [--focus-since DATE]] [--window DAYS]`: loads issues, classifies and scores them, runs the audit core and renders it.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { RulePack } from "../../rules";
import type { AuditReport } from "../core/audit";
import { parseIssues, type ImportFormat } from "../core/import";
import { auditIssues, writeReport, type AuditChoices, type ReportOutput } from "./audit-report";

export interface AuditOptions extends ReportOutput, AuditChoices {
  input?: ImportFormat;
  now?: Date;
}

/** Parses, classifies, scores and audits an export's text: what `audit FILE` prints, as a report. */
export function auditText(pack: RulePack, text: string, opts: Omit<AuditOptions, "format">): AuditReport {
  return auditIssues(pack, parseIssues(text, opts.input), opts.now ?? new Date(), opts);
}

export async function runAuditCommand(pack: RulePack, file: string, opts: AuditOptions): Promise<number> {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const report = auditText(pack, text, opts);
  return writeReport(report, { title: file === "-" ? "stdin" : basename(file), ...opts });
}
