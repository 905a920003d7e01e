/**
 * Audit history: one row per run with its summary and full report. Full reports
 * are kept only for a retention window (pruneAuditReports), stored
 * gzip-compressed (migration 0009). Past the window the history is daily: the
 * latest run of each UTC day keeps its summary for the life of the workspace,
 * earlier runs of that day go (the cron audits every 15 minutes; the trend
 * plots days).
 */
import { newId } from "../security/ids";
import { safeJson } from "./workspaces";

/** How long full reports are kept: the latest `keepRuns` runs, and none older than `keepDays` (except the latest run's). */
export interface ReportRetention {
  keepRuns: number;
  keepDays: number;
}
export const DEFAULT_REPORT_RETENTION: ReportRetention = { keepRuns: 30, keepDays: 90 };

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
  /** When the full report was dropped past the retention window (the summary stays); null while it is kept. */
  reportPrunedAt: string | null;
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
  report_gz?: ArrayBuffer | Uint8Array | number[] | null;
  report_pruned_at?: string | null;
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
  report: r.report === undefined ? undefined : r.report === "" ? null : safeJson(r.report),
  summaryJson: r.summary,
  reportJson: r.report ? r.report : null,
  reportPrunedAt: r.report_pruned_at ?? null,
});

/** The same as toRun but without parsing the report (the API streams the stored text). */
const toRunRaw = (r: Row): AuditRunRow => ({ ...toRun({ ...r, report: undefined }), reportJson: r.report ? r.report : null });

/** gzip of a string (CompressionStream: in workerd and Node alike). */
export async function gzipText(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzipText(data: ArrayBuffer | Uint8Array | number[]): Promise<string> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer | number[]);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/** A stored row with its report as JSON text: decompressed from `report_gz` when it is there. */
async function inflate(r: Row): Promise<Row> {
  if (r.report_gz == null) return r;
  return { ...r, report: await gunzipText(r.report_gz), report_gz: null };
}

export async function insertAuditRun(
  db: D1Database,
  p: {
    workspaceId: string;
    at: Date;
    trigger: AuditRunRow["trigger"];
    dominant: string | null;
    drift: number | null;
    driftLevel: string | null;
    issueCount: number;
    summary: unknown;
    report: unknown;
    id?: string;
  },
): Promise<string> {
  const id = p.id ?? newId("aud");
  const gz = await gzipText(JSON.stringify(p.report));
  await db
    .prepare(
      "INSERT INTO audit_runs (id, workspace_id, created_at, trigger, dominant, drift, drift_level, issue_count, summary, report, report_gz) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?)",
    )
    .bind(id, p.workspaceId, p.at.toISOString(), p.trigger, p.dominant, p.drift, p.driftLevel, p.issueCount, JSON.stringify(p.summary), gz)
    .run();
  return id;
}

/**
 * Drops the full reports of a workspace's runs past the retention window: every run but the
 * latest `keepRuns`, and any run older than `keepDays` except the latest one. Then thins the
 * history past the window to one run per UTC day: a run whose report is gone is deleted when a
 * later run of the same day exists, unless a write-back run refers to it (the ledger names the
 * audit it acted on). Returns how many reports were dropped.
 */
export async function pruneAuditReports(db: D1Database, workspaceId: string, p: ReportRetention & { now: Date }): Promise<number> {
  const cutoff = new Date(p.now.getTime() - p.keepDays * 86_400_000).toISOString();
  const [pruned] = await db.batch([
    db
      .prepare(
        `UPDATE audit_runs SET report = '', report_gz = NULL, report_pruned_at = ?1
       WHERE workspace_id = ?2 AND report_pruned_at IS NULL
         AND (id NOT IN (SELECT id FROM audit_runs WHERE workspace_id = ?2 ORDER BY created_at DESC, id DESC LIMIT ?3)
           OR (created_at < ?4 AND id <> (SELECT id FROM audit_runs WHERE workspace_id = ?2 ORDER BY created_at DESC, id DESC LIMIT 1)))`,
      )
      .bind(p.now.toISOString(), workspaceId, Math.max(1, Math.floor(p.keepRuns)), cutoff),
    db
      .prepare(
        `DELETE FROM audit_runs AS a
       WHERE a.workspace_id = ?1 AND a.report_pruned_at IS NOT NULL
         AND EXISTS (SELECT 1 FROM audit_runs b WHERE b.workspace_id = ?1
           AND b.created_at >= a.created_at AND b.created_at < substr(a.created_at, 1, 10) || 'T24'
           AND (b.created_at > a.created_at OR b.id > a.id))
         AND NOT EXISTS (SELECT 1 FROM writeback_runs w WHERE w.workspace_id = ?1 AND w.audit_run_id = a.id)`,
      )
      .bind(workspaceId),
  ]);
  return pruned?.meta.changes ?? 0;
}

export async function getLatestAudit(db: D1Database, workspaceId: string, opts: { raw?: boolean } = {}): Promise<AuditRunRow | null> {
  const r = await db.prepare("SELECT * FROM audit_runs WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT 1").bind(workspaceId).first<Row>();
  if (!r) return null;
  const row = await inflate(r);
  return opts.raw ? toRunRaw(row) : toRun(row);
}

export async function getAudit(db: D1Database, workspaceId: string, id: string, opts: { raw?: boolean } = {}): Promise<AuditRunRow | null> {
  const r = await db.prepare("SELECT * FROM audit_runs WHERE workspace_id = ? AND id = ?").bind(workspaceId, id).first<Row>();
  if (!r) return null;
  const row = await inflate(r);
  return opts.raw ? toRunRaw(row) : toRun(row);
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
    .prepare(
      `SELECT id, workspace_id, created_at, trigger, dominant, drift, drift_level, issue_count, summary FROM audit_runs WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`,
    )
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
