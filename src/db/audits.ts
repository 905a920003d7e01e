/** Audit history: one row per run with its summary and full report. */
import { newId } from "../security/ids";
import { safeJson } from "./workspaces";

export interface AuditRunRow {
  id: string;
  workspaceId: string;
  createdAt: string;
  trigger: "manual" | "cron" | "sync" | "demo" | "api";
  dominant: string | null;
  drift: number | null;
  driftLevel: string | null;
  issueCount: number;
  summary: unknown;
  report: unknown;
  /** The stored JSON text, served as-is by the API (no re-parse on the hot path). */
  summaryJson: string;
  reportJson: string | null;
}

type Row = {
  id: string;
  workspace_id: string;
  created_at: string;
  trigger: AuditRunRow["trigger"];
  dominant: string | null;
  drift: number | null;
  drift_level: string | null;
  issue_count: number;
  summary: string;
  report?: string;
};

const toRun = (r: Row): AuditRunRow => ({
  id: r.id,
  workspaceId: r.workspace_id,
  createdAt: r.created_at,
  trigger: r.trigger,
  dominant: r.dominant,
  drift: r.drift,
  driftLevel: r.drift_level,
  issueCount: r.issue_count,
  summary: safeJson(r.summary),
  report: r.report === undefined ? undefined : safeJson(r.report),
  summaryJson: r.summary,
  reportJson: r.report ?? null,
});

/** The same as toRun but without parsing the report (the API streams the stored text). */
const toRunRaw = (r: Row): AuditRunRow => ({ ...toRun({ ...r, report: undefined }), reportJson: r.report ?? null });

export async function insertAuditRun(
  db: D1Database,
  p: { workspaceId: string; at: Date; trigger: AuditRunRow["trigger"]; dominant: string | null; drift: number | null; driftLevel: string | null; issueCount: number; summary: unknown; report: unknown; id?: string },
): Promise<string> {
  const id = p.id ?? newId("aud");
  await db
    .prepare("INSERT INTO audit_runs (id, workspace_id, created_at, trigger, dominant, drift, drift_level, issue_count, summary, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(id, p.workspaceId, p.at.toISOString(), p.trigger, p.dominant, p.drift, p.driftLevel, p.issueCount, JSON.stringify(p.summary), JSON.stringify(p.report))
    .run();
  return id;
}

export async function getLatestAudit(db: D1Database, workspaceId: string, opts: { raw?: boolean } = {}): Promise<AuditRunRow | null> {
  const r = await db.prepare("SELECT * FROM audit_runs WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT 1").bind(workspaceId).first<Row>();
  return r ? (opts.raw ? toRunRaw(r) : toRun(r)) : null;
}

export async function getAudit(db: D1Database, workspaceId: string, id: string, opts: { raw?: boolean } = {}): Promise<AuditRunRow | null> {
  const r = await db.prepare("SELECT * FROM audit_runs WHERE workspace_id = ? AND id = ?").bind(workspaceId, id).first<Row>();
  return r ? (opts.raw ? toRunRaw(r) : toRun(r)) : null;
}

/** History without the full reports, newest first, paged by (created_at, id). */
export async function listAuditHistory(
  db: D1Database,
  workspaceId: string,
  opts: { limit?: number; before?: { createdAt: string; id: string } | null; since?: string } = {},
): Promise<AuditRunRow[]> {
  const where = ["workspace_id = ?"];
  const args: unknown[] = [workspaceId];
  if (opts.before) {
    where.push("(created_at < ? OR (created_at = ? AND id < ?))");
    args.push(opts.before.createdAt, opts.before.createdAt, opts.before.id);
  }
  if (opts.since) {
    where.push("created_at >= ?");
    args.push(opts.since);
  }
  const { results } = await db
    .prepare(`SELECT id, workspace_id, created_at, trigger, dominant, drift, drift_level, issue_count, summary FROM audit_runs WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...args, opts.limit ?? 50)
    .all<Row>();
  return results.map(toRun);
}

/** Just the latest audit's id, time and dominant constraint: for the hot paths that need no report. */
export async function getLatestAuditHead(db: D1Database, workspaceId: string): Promise<{ id: string; createdAt: string; dominant: string | null } | null> {
  const r = await db
    .prepare("SELECT id, created_at, dominant FROM audit_runs WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT 1")
    .bind(workspaceId)
    .first<{ id: string; created_at: string; dominant: string | null }>();
  return r ? { id: r.id, createdAt: r.created_at, dominant: r.dominant } : null;
}
