/**
 * Runs an audit of a workspace: loads every live issue with its verdict, calls
 * the pure audit core (the same code the CLI runs), and stores the run.
 */
import { scoreIssue } from "../../rules";
import { AuditSummarySchema, runAudit, summarize, type AuditReport, type AuditSummary } from "../core/audit";
import type { Classification, Issue } from "../../domain/types";
import { insertAuditRun, listAuditHistory, type AuditRunRow } from "../db/audits";
import { listAssessments } from "../db/classifications";
import { getSettings, type WorkspaceSettings } from "../db/workspaces";
import { newId } from "../security/ids";
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
  return { ...settings.auditSettings, evidenceWeights: { ...evidenceWeights, ...((settings.auditSettings.evidenceWeights as object | undefined) ?? {}) }, focus: settings.focusConstraint };
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

export async function runWorkspaceAudit(
  db: D1Database,
  workspaceId: string,
  p: { trigger: AuditRunRow["trigger"]; now: Date },
): Promise<{ id: string; report: AuditReport; summary: AuditSummary }> {
  const settings = await getSettings(db, workspaceId);
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
  return { id, report, summary };
}
