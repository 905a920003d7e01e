/**
 * What every `backlog-audit audit` source shares once it has issues: classify
 * and score them with the pack, run the audit core, and render the report in
 * the chosen format to stdout or `--out FILE`. The HTML format is the Worker's
 * own report page (src/report `ReportPage`), written as one self-contained file.
 */
import { writeFileSync } from "node:fs";
import { classify, compilePack, scoreIssue, type RulePack } from "../../rules";
import { runAudit, type AuditReport } from "../core/audit";
import type { Constraint, Issue } from "../../domain/types";

export type ReportFormat = "md" | "json" | "csv" | "html";

export interface ReportOutput {
  format: ReportFormat;
  /** Write here instead of stdout. */
  out?: string;
  /** Shown as the report's title (workspace name on the Worker's page). */
  title?: string;
}

/** What a person can tell the audit from the command line. */
export interface AuditChoices {
  /** Declared focus, compared with the evidence; with `focusSince` it starts the 30/60/90 follow-up. */
  focus?: Constraint;
  focusSince?: string;
  /** Flow window in days (default 90). */
  windowDays?: number;
}

/** Classifies, scores and audits `issues` with `pack`. */
export function auditIssues(pack: RulePack, issues: Issue[], now: Date, choices: AuditChoices = {}): AuditReport {
  const compiled = compilePack(pack);
  const rows = issues.map((issue) => ({ issue, classification: classify(compiled, issue) }));
  return runAudit({
    issues: rows,
    score: (issue, c, ctx) => scoreIssue(compiled, issue, c, ctx),
    settings: {
      evidenceWeights: pack.evidenceWeights as never,
      focus: choices.focus ?? null,
      focusSince: choices.focusSince ?? null,
      ...(choices.windowDays ? { diagnosis: { windowDays: choices.windowDays } } : {}),
    },
    now,
  });
}

/** Renders `report` in `output.format`. */
export async function renderReport(report: AuditReport, output: ReportOutput): Promise<string> {
  const r = await import("../report");
  switch (output.format) {
    case "json":
      return JSON.stringify(report) + "\n";
    case "csv":
      return r.renderCsv(report);
    case "md":
      return r.renderMarkdown(report);
    case "html": {
      const page = r.ReportPage({ report, history: [], workspaceName: output.title ?? "backlog" });
      return String(await page);
    }
  }
}

/** Renders and writes the report; returns the exit code. */
export async function writeReport(report: AuditReport, output: ReportOutput): Promise<number> {
  const text = await renderReport(report, output);
  if (output.out) {
    writeFileSync(output.out, text);
    process.stderr.write(`wrote ${output.out}\n`);
  } else process.stdout.write(text);
  return 0;
}
