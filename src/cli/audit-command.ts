/**
 * `backlog-audit audit FILE [--format md|json|csv|html] [--out FILE] [--rules PACK] [--input jsonl|gh|jira-csv|linear-csv]`:
 * loads issues, classifies and scores them, runs the audit core and renders it.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { RulePack } from "../../rules";
import { parseIssues, type ImportFormat } from "../core/import";
import { auditIssues, writeReport, type ReportOutput } from "./audit-report";

export interface AuditOptions extends ReportOutput {
  input?: ImportFormat;
  now?: Date;
}

export async function runAuditCommand(pack: RulePack, file: string, opts: AuditOptions): Promise<number> {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const issues = parseIssues(text, opts.input);
  const report = auditIssues(pack, issues, opts.now ?? new Date());
  return writeReport(report, { title: file === "-" ? "stdin" : basename(file), ...opts });
}
