/**
 * `backlog-audit audit FILE [--format md|json|csv] [--rules PACK] [--input jsonl|gh|jira-csv|linear-csv] [--focus C [--focus-since DATE]] [--window DAYS]`:
 * loads issues, classifies and scores them, runs the audit core and renders it.
 */
import { readFileSync } from "node:fs";
import { classify, compilePack, scoreIssue, type RulePack } from "../../rules";
import { runAudit, type AuditReport } from "../core/audit";
import type { Constraint } from "../core/types";
import { parseIssues, type ImportFormat } from "../core/import";
import { renderCsv, renderMarkdown } from "../report";

export interface AuditOptions {
  format: "md" | "json" | "csv";
  input?: ImportFormat;
  now?: Date;
  /** Declared focus, compared with the evidence; with `focusSince` it starts the 30/60/90 follow-up. */
  focus?: Constraint;
  focusSince?: string;
  /** Flow window in days (default 90). */
  windowDays?: number;
}

/** Parses, classifies, scores and audits an export's text: what `audit FILE` prints, as a report. */
export function auditText(pack: RulePack, text: string, opts: Omit<AuditOptions, "format">): AuditReport {
  const issues = parseIssues(text, opts.input);
  const compiled = compilePack(pack);
  const rows = issues.map((issue) => ({ issue, classification: classify(compiled, issue) }));
  return runAudit({
    issues: rows,
    score: (issue, c, ctx) => scoreIssue(compiled, issue, c, ctx),
    settings: {
      evidenceWeights: pack.evidenceWeights as never,
      focus: opts.focus ?? null,
      focusSince: opts.focusSince ?? null,
      ...(opts.windowDays ? { diagnosis: { windowDays: opts.windowDays } } : {}),
    },
    now: opts.now ?? new Date(),
  });
}

export async function runAuditCommand(pack: RulePack, file: string, opts: AuditOptions): Promise<number> {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const report = auditText(pack, text, opts);
  if (opts.format === "json") {
    process.stdout.write(JSON.stringify(report) + "\n");
    return 0;
  }
  process.stdout.write(opts.format === "csv" ? renderCsv(report) : renderMarkdown(report));
  return 0;
}
