/**
 * Runs an audit of a workspace: loads every live issue with its verdict, calls
 * the pure audit core (the same code the CLI runs), and stores the run.
 */
import { scoreIssue } from "../../rules";
import { AuditSummarySchema, runAudit, summarize, type AuditReport, type AuditSummary } from "../core/audit";
import type { Classification, Issue } from "../../domain/types";
import { DEFAULT_REPORT_RETENTION, insertAuditRun, listAuditHistory, pruneAuditReports, type AuditRunRow, type ReportRetention } from "../db/audits";
import { listAssessments } from "../db/classifications";
import { getSettings, type WorkspaceSettings } from "../db/workspaces";
import { newId } from "../security/ids";
import type { AuditHead } from "./job-context";
import { compiledPackFor } from "./rule-packs";

const UNCLASSIFIED: Classification = { constraint: null, confidence: 0, runnerUp: null, decidedBy: "none", reasons: [] };

/** Every live issue of the workspace with its stored verdict (issues not yet classified count as unclassified). */
export async function loadAssessed(db: D1Database, workspaceId: string): Promise<Array<{ issue: Issue; classification: Classification; issueId: string }>> {
  const out: Array<{ issue: Issue; classification: Classification; issueId: string }> = [];
  let after = "";
  for (;;) {
    const page = await listAssessments(db, workspaceId, { after, limit: 1000 });
    for (const r of page) out.push({ issue: r.issue, classification: r.classification ?? UNCLASSIFIED, issueId: r.id });
    if (page.length < 1000) break;
    after = page[page.length - 1]!.id;
  }
  return out;
}

export function auditSettingsFor(settings: WorkspaceSettings, evidenceWeights: Record<string, number>) {
  return {
    ...settings.auditSettings,
    evidenceWeights: { ...evidenceWeights, ...((settings.auditSettings.evidenceWeights as object | undefined) ?? {}) },
    focus: settings.focusConstraint,
  };
}

export async function auditHistory(db: D1Database, workspaceId: string, limit = 200): Promise<Array<AuditSummary & { id: string }>> {
  const rows = await listAuditHistory(db, workspaceId, { limit });
  const out: Array<AuditSummary & { id: string }> = [];
  for (const r of rows) {
    const s = AuditSummarySchema.safeParse(r.summary);
    if (s.success) out.push({ ...s.data, id: r.id });
  }
  return out;
}

/** The report retention window from the Worker's settings (`AUDIT_REPORTS_KEEP`, `AUDIT_REPORTS_KEEP_DAYS`); defaults for what is unset or invalid. */
export function reportRetention(env: { AUDIT_REPORTS_KEEP?: string; AUDIT_REPORTS_KEEP_DAYS?: string }): ReportRetention {
  const int = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v !== undefined && v !== "" && Number.isInteger(n) && n >= 1 ? n : fallback;
  };
  return {
    keepRuns: int(env.AUDIT_REPORTS_KEEP, DEFAULT_REPORT_RETENTION.keepRuns),
    keepDays: int(env.AUDIT_REPORTS_KEEP_DAYS, DEFAULT_REPORT_RETENTION.keepDays),
  };
}

/**
 * Audits the workspace, stores the run, then drops full reports past the retention window
 * (summaries stay: the trend reads them).
 */
export async function runWorkspaceAudit(
  db: D1Database,
  workspaceId: string,
  p: {
    trigger: AuditRunRow["trigger"];
    now: Date;
    retention?: ReportRetention /** The job's loaded settings (not read again). */;
    settings?: WorkspaceSettings;
  },
): Promise<{
  id: string;
  report: AuditReport;
  summary: AuditSummary /** The stored run as the latest audit head (for the write-back runs the audit job starts). */;
  head: AuditHead;
}> {
  const settings = p.settings ?? (await getSettings(db, workspaceId));
  if (!settings) throw new Error(`workspace ${workspaceId} has no settings`);
  const { compiled } = compiledPackFor(settings);
  const [issues, history] = await Promise.all([loadAssessed(db, workspaceId), auditHistory(db, workspaceId)]);
  const report = runAudit({
    issues,
    score: (issue, c, ctx) => scoreIssue(compiled, issue, c, ctx),
    settings: auditSettingsFor(settings, compiled.pack.evidenceWeights),
    now: p.now,
    history,
  });
  const id = newId("aud");
  const summary = summarize(report, id);
  await insertAuditRun(db, {
    id,
    workspaceId,
    at: p.now,
    trigger: p.trigger,
    dominant: report.dominant?.constraint ?? null,
    drift: report.drift?.value ?? null,
    driftLevel: report.drift?.level ?? null,
    issueCount: issues.length,
    summary,
    report,
  });
  await pruneAuditReports(db, workspaceId, { ...(p.retention ?? DEFAULT_REPORT_RETENTION), now: p.now });
  return { id, report, summary, head: { id, createdAt: p.now.toISOString(), dominant: report.dominant?.constraint ?? null } };
}
