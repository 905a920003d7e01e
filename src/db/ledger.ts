/**
 * The write-back ledger and runs: every label/comment we wrote, removed or would
 * write (dry-run), human overrides we observed, and what we believe we own.
 */
import { newId } from "../security/ids";

export type LedgerAction = "label_add" | "label_remove" | "comment_create" | "comment_update" | "comment_delete" | "human_override";
export type LedgerOutcome = "planned" | "applied" | "failed" | "skipped" | "reverted" | "recorded";

export interface LedgerRow {
  id: string;
  workspaceId: string;
  connectionId: string;
  runId: string | null;
  auditRunId: string | null;
  issueId: string | null;
  externalId: string;
  issueKey: string;
  action: LedgerAction;
  target: string;
  beforeValue: string | null;
  afterValue: string | null;
  ruleId: string | null;
  reason: string;
  mode: "dry-run" | "on" | "observed";
  outcome: LedgerOutcome;
  trackerResponseId: string | null;
  error: string | null;
  createdAt: string;
}

type Row = {
  id: string;
  workspace_id: string;
  connection_id: string;
  run_id: string | null;
  audit_run_id: string | null;
  issue_id: string | null;
  external_id: string;
  issue_key: string;
  action: LedgerAction;
  target: string;
  before_value: string | null;
  after_value: string | null;
  rule_id: string | null;
  reason: string;
  mode: LedgerRow["mode"];
  outcome: LedgerOutcome;
  tracker_response_id: string | null;
  error: string | null;
  created_at: string;
};

const toLedger = (r: Row): LedgerRow => ({
  id: r.id,
  workspaceId: r.workspace_id,
  connectionId: r.connection_id,
  runId: r.run_id,
  auditRunId: r.audit_run_id,
  issueId: r.issue_id,
  externalId: r.external_id,
  issueKey: r.issue_key,
  action: r.action,
  target: r.target,
  beforeValue: r.before_value,
  afterValue: r.after_value,
  ruleId: r.rule_id,
  reason: r.reason,
  mode: r.mode,
  outcome: r.outcome,
  trackerResponseId: r.tracker_response_id,
  error: r.error,
  createdAt: r.created_at,
});

export type NewLedgerEntry = Omit<LedgerRow, "id" | "createdAt"> & { createdAt?: string };

export async function insertLedgerEntries(db: D1Database, entries: NewLedgerEntry[], now = new Date()): Promise<string[]> {
  const ids: string[] = [];
  const stmts = entries.map((e) => {
    const id = newId("led");
    ids.push(id);
    return db
      .prepare(
        `INSERT INTO writeback_ledger (id, workspace_id, connection_id, run_id, audit_run_id, issue_id, external_id, issue_key, action, target, before_value, after_value,
          rule_id, reason, mode, outcome, tracker_response_id, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        id,
        e.workspaceId,
        e.connectionId,
        e.runId,
        e.auditRunId,
        e.issueId,
        e.externalId,
        e.issueKey,
        e.action,
        e.target.slice(0, 500),
        e.beforeValue,
        e.afterValue,
        e.ruleId,
        e.reason.slice(0, 1000),
        e.mode,
        e.outcome,
        e.trackerResponseId,
        e.error?.slice(0, 1000) ?? null,
        e.createdAt ?? now.toISOString(),
      );
  });
  for (let i = 0; i < stmts.length; i += 100) await db.batch(stmts.slice(i, i + 100));
  return ids;
}

export async function updateLedgerOutcome(
  db: D1Database,
  id: string,
  outcome: LedgerOutcome,
  p: { trackerResponseId?: string | null; error?: string | null } = {},
): Promise<void> {
  await db
    .prepare("UPDATE writeback_ledger SET outcome = ?, tracker_response_id = COALESCE(?, tracker_response_id), error = ? WHERE id = ?")
    .bind(outcome, p.trackerResponseId ?? null, p.error ?? null, id)
    .run();
}

export async function listLedger(
  db: D1Database,
  workspaceId: string,
  opts: { runId?: string; limit?: number; before?: { createdAt: string; id: string } | null; mode?: LedgerRow["mode"] } = {},
): Promise<LedgerRow[]> {
  const where = ["workspace_id = ?"];
  const args: unknown[] = [workspaceId];
  if (opts.runId) {
    where.push("run_id = ?");
    args.push(opts.runId);
  }
  if (opts.mode) {
    where.push("mode = ?");
    args.push(opts.mode);
  }
  if (opts.before) {
    where.push("(created_at < ? OR (created_at = ? AND id < ?))");
    args.push(opts.before.createdAt, opts.before.createdAt, opts.before.id);
  }
  const { results } = await db
    .prepare(`SELECT * FROM writeback_ledger WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...args, opts.limit ?? 200)
    .all<Row>();
  return results.map(toLedger);
}

export interface Ownership {
  /** Labels our applied writes added and have not removed since. */
  labels: Set<string>;
  /** Labels a write of ours was about to add when it stopped (crash between the tracker write and the ledger update). */
  inFlight: Set<string>;
  /** Our comment: tracker id and the encoded value we last wrote (see core/writeback decodeCommentValue). */
  comment: { id: string | null; value: string | null } | null;
}

/**
 * What we own on each issue of a connection, replayed in order from the ledger's
 * real writes (mode `on`): applied entries establish ownership; `planned` ones
 * were in flight when a run stopped, and count as ours only if the label is
 * actually on the issue (the caller checks).
 */
export async function ownershipByIssue(db: D1Database, connectionId: string, externalIds?: string[]): Promise<Map<string, Ownership>> {
  // The ids travel as one JSON parameter: D1 binds at most 100 per statement, and a list was cut at 90.
  const only = externalIds ? "AND external_id IN (SELECT value FROM json_each(?))" : "";
  const { results } = await db
    .prepare(
      `SELECT external_id, action, target, after_value, tracker_response_id, outcome FROM writeback_ledger
       WHERE connection_id = ? AND mode = 'on' AND outcome IN ('applied', 'planned') AND action != 'human_override' ${only} ORDER BY created_at, id`,
    )
    .bind(connectionId, ...(externalIds ? [JSON.stringify(externalIds)] : []))
    .all<{
      external_id: string;
      action: LedgerAction;
      target: string;
      after_value: string | null;
      tracker_response_id: string | null;
      outcome: LedgerOutcome;
    }>();
  const out = new Map<string, Ownership>();
  for (const r of results) {
    let o = out.get(r.external_id);
    if (!o) out.set(r.external_id, (o = { labels: new Set(), inFlight: new Set(), comment: null }));
    if (r.outcome === "planned") {
      if (r.action === "label_add") o.inFlight.add(r.target);
      continue;
    }
    if (r.action === "label_add") o.labels.add(r.target);
    else if (r.action === "label_remove") o.labels.delete(r.target);
    else if (r.action === "comment_create" || r.action === "comment_update")
      o.comment = { id: r.tracker_response_id ?? o.comment?.id ?? null, value: r.after_value };
    else if (r.action === "comment_delete") o.comment = null;
  }
  return out;
}

export async function overridesByIssue(db: D1Database, connectionId: string, externalIds?: string[]): Promise<Map<string, Set<string>>> {
  // The ids travel as one JSON parameter: D1 binds at most 100 per statement, and a list was cut at 90.
  const only = externalIds ? "AND external_id IN (SELECT value FROM json_each(?))" : "";
  const { results } = await db
    .prepare(`SELECT external_id, label FROM label_overrides WHERE connection_id = ? ${only}`)
    .bind(connectionId, ...(externalIds ? [JSON.stringify(externalIds)] : []))
    .all<{ external_id: string; label: string }>();
  const out = new Map<string, Set<string>>();
  for (const r of results) {
    const s = out.get(r.external_id) ?? new Set<string>();
    s.add(r.label);
    out.set(r.external_id, s);
  }
  return out;
}

export async function recordOverrides(
  db: D1Database,
  p: { workspaceId: string; connectionId: string; overrides: Array<{ externalId: string; label: string }>; now: Date },
): Promise<void> {
  if (p.overrides.length === 0) return;
  const at = p.now.toISOString();
  const stmts = p.overrides.map((o) =>
    db
      .prepare("INSERT INTO label_overrides (connection_id, external_id, label, workspace_id, detected_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
      .bind(p.connectionId, o.externalId, o.label, p.workspaceId, at),
  );
  for (let i = 0; i < stmts.length; i += 100) await db.batch(stmts.slice(i, i + 100));
}

export interface WritebackRun {
  id: string;
  workspaceId: string;
  connectionId: string;
  auditRunId: string | null;
  mode: "dry-run" | "on";
  status: "planned" | "running" | "done" | "failed" | "undone";
  planned: number;
  applied: number;
  failed: number;
  capped: number;
  startedAt: string;
  finishedAt: string | null;
}

type RunRow = {
  id: string;
  workspace_id: string;
  connection_id: string;
  audit_run_id: string | null;
  mode: WritebackRun["mode"];
  status: WritebackRun["status"];
  planned: number;
  applied: number;
  failed: number;
  capped: number;
  started_at: string;
  finished_at: string | null;
};
const toRun = (r: RunRow): WritebackRun => ({
  id: r.id,
  workspaceId: r.workspace_id,
  connectionId: r.connection_id,
  auditRunId: r.audit_run_id,
  mode: r.mode,
  status: r.status,
  planned: r.planned,
  applied: r.applied,
  failed: r.failed,
  capped: r.capped,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export async function createWritebackRun(
  db: D1Database,
  p: { workspaceId: string; connectionId: string; auditRunId: string | null; mode: "dry-run" | "on"; now: Date },
): Promise<string> {
  const id = newId("wbr");
  await db
    .prepare("INSERT INTO writeback_runs (id, workspace_id, connection_id, audit_run_id, mode, status, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?)")
    .bind(id, p.workspaceId, p.connectionId, p.auditRunId, p.mode, p.now.toISOString())
    .run();
  return id;
}

export async function finishWritebackRun(
  db: D1Database,
  id: string,
  p: { status: WritebackRun["status"]; planned: number; applied: number; failed: number; capped: number; now: Date },
): Promise<void> {
  await db
    .prepare("UPDATE writeback_runs SET status = ?, planned = ?, applied = ?, failed = ?, capped = ?, finished_at = ? WHERE id = ?")
    .bind(p.status, p.planned, p.applied, p.failed, p.capped, p.now.toISOString(), id)
    .run();
}

export async function getWritebackRun(db: D1Database, workspaceId: string, id: string): Promise<WritebackRun | null> {
  const r = await db.prepare("SELECT * FROM writeback_runs WHERE id = ? AND workspace_id = ?").bind(id, workspaceId).first<RunRow>();
  return r ? toRun(r) : null;
}

/** A page of runs newest first, and the position of the next (older) page or null when this is the last. */
export async function pageWritebackRuns(
  db: D1Database,
  workspaceId: string,
  limit: number,
  before: { startedAt: string; id: string } | null,
): Promise<{ runs: WritebackRun[]; next: { startedAt: string; id: string } | null }> {
  const rows = await listWritebackRuns(db, workspaceId, limit + 1, before);
  const runs = rows.slice(0, limit);
  const last = runs[runs.length - 1];
  return { runs, next: rows.length > limit && last ? { startedAt: last.startedAt, id: last.id } : null };
}

/** Runs newest first; `before` (a run's start time and id) pages to older ones. */
export async function listWritebackRuns(
  db: D1Database,
  workspaceId: string,
  limit = 20,
  before?: { startedAt: string; id: string } | null,
): Promise<WritebackRun[]> {
  const { results } = before
    ? await db
        .prepare(
          "SELECT * FROM writeback_runs WHERE workspace_id = ? AND (started_at < ? OR (started_at = ? AND id < ?)) ORDER BY started_at DESC, id DESC LIMIT ?",
        )
        .bind(workspaceId, before.startedAt, before.startedAt, before.id, limit)
        .all<RunRow>()
    : await db.prepare("SELECT * FROM writeback_runs WHERE workspace_id = ? ORDER BY started_at DESC, id DESC LIMIT ?").bind(workspaceId, limit).all<RunRow>();
  return results.map(toRun);
}

export async function setWritebackRunStatus(db: D1Database, id: string, status: WritebackRun["status"]): Promise<void> {
  await db.prepare("UPDATE writeback_runs SET status = ? WHERE id = ?").bind(status, id).run();
}

/** Rows of a real run still `planned`: a write whose ledger update did not land (crash, redeploy). */
export async function listPlannedForRun(
  db: D1Database,
  runId: string,
): Promise<Array<{ id: string; externalId: string; action: LedgerAction; target: string }>> {
  const { results } = await db
    .prepare("SELECT id, external_id, action, target FROM writeback_ledger WHERE run_id = ? AND mode = 'on' AND outcome = 'planned' ORDER BY created_at, id")
    .bind(runId)
    .all<{ id: string; external_id: string; action: LedgerAction; target: string }>();
  return results.map((r) => ({ id: r.id, externalId: r.external_id, action: r.action, target: r.target }));
}

/** Whether a real run of the connection started after `since` is still writing. */
export async function hasRunningWriteback(db: D1Database, connectionId: string, since: Date): Promise<boolean> {
  const r = await db
    .prepare("SELECT 1 AS x FROM writeback_runs WHERE connection_id = ? AND status = 'running' AND started_at > ? LIMIT 1")
    .bind(connectionId, since.toISOString())
    .first<{ x: number }>();
  return !!r;
}
