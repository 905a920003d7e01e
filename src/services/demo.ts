/**
 * Demo history (DEMO_MODE only): audits "as of" past dates, computed by the
 * same audit core over the workspace's real issues as they stood then (issues
 * created by that date; closed ones still open if they closed later). Marked
 * with trigger `demo` so they are never mistaken for real runs.
 */
import { scoreIssue } from "../../rules";
import { runAudit, summarize, type AuditSummary } from "../core/audit";
import type { Issue } from "../../domain/types";
import { insertAuditRun } from "../db/audits";
import { getSettings } from "../db/workspaces";
import { newId } from "../security/ids";
import { auditSettingsFor, loadAssessed } from "./audit";
import { compiledPackFor } from "./rule-packs";

function asOf(issue: Issue, at: number): Issue | null {
  if (Date.parse(issue.createdAt) > at) return null;
  const closed = issue.closedAt ? Date.parse(issue.closedAt) : null;
  if (closed !== null && closed > at && (issue.stateCategory === "done" || issue.stateCategory === "canceled")) {
    return { ...issue, stateCategory: "todo", state: "open", closedAt: null };
  }
  return issue;
}

export async function backfillDemoHistory(db: D1Database, workspaceId: string, p: { now: Date; points: number; everyDays: number }): Promise<number> {
  const settings = (await getSettings(db, workspaceId))!;
  const { compiled } = compiledPackFor(settings);
  const all = await loadAssessed(db, workspaceId);
  const history: Array<AuditSummary & { id: string }> = [];
  let made = 0;
  for (let k = p.points; k >= 1; k--) {
    const at = p.now.getTime() - k * p.everyDays * 86_400_000;
    // Older snapshots saw fewer issues: keep each issue whose creation precedes the point, plus a share of the rest so early points are not empty.
    const issues = all.flatMap((r) => {
      const i = asOf(r.issue, at) ?? (hashShare(r.issue.externalId) < (p.points - k + 1) / (p.points + 1) ? r.issue : null);
      return i ? [{ issue: i, classification: r.classification }] : [];
    });
    if (issues.length === 0) continue;
    const report = runAudit({
      issues,
      score: (i, c, ctx) => scoreIssue(compiled, i, c, ctx),
      settings: auditSettingsFor(settings, compiled.pack.evidenceWeights),
      now: new Date(at),
      history: [...history].reverse(),
    });
    const id = newId("aud");
    const summary = summarize(report, id);
    await insertAuditRun(db, {
      id,
      workspaceId,
      at: new Date(at),
      trigger: "demo",
      dominant: report.dominant?.constraint ?? null,
      drift: report.drift?.value ?? null,
      driftLevel: report.drift?.level ?? null,
      issueCount: issues.length,
      summary,
      report,
    });
    history.push({ ...summary, id });
    made++;
  }
  return made;
}

/** A stable share in [0, 1) per issue, so the demo's growth over time is deterministic. */
function hashShare(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}
