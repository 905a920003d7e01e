/** Dead-lettered sync messages, with the reason. */
import { newId } from "../security/ids";

export async function recordSyncFailure(
  db: D1Database,
  p: { workspaceId?: string | null; connectionId?: string | null; message: unknown; reason: string; now?: Date },
): Promise<string> {
  const id = newId("fail");
  await db
    .prepare("INSERT INTO sync_failures (id, workspace_id, connection_id, message, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(
      id,
      p.workspaceId ?? null,
      p.connectionId ?? null,
      JSON.stringify(p.message).slice(0, 8000),
      p.reason.slice(0, 1000),
      (p.now ?? new Date()).toISOString(),
    )
    .run();
  return id;
}

export async function listSyncFailures(db: D1Database, workspaceId: string, limit = 50) {
  const { results } = await db
    .prepare("SELECT id, connection_id, message, reason, created_at FROM sync_failures WHERE workspace_id = ? ORDER BY created_at DESC LIMIT ?")
    .bind(workspaceId, limit)
    .all<{ id: string; connection_id: string | null; message: string; reason: string; created_at: string }>();
  return results;
}

export interface SyncFailureRow {
  id: string;
  connectionId: string | null;
  /** The job as it was set aside (JSON text, possibly truncated). */
  message: string;
  reason: string;
  createdAt: string;
}

type FailureRecord = { id: string; connection_id: string | null; message: string; reason: string; created_at: string };
const toFailure = (r: FailureRecord): SyncFailureRow => ({
  id: r.id,
  connectionId: r.connection_id,
  message: r.message,
  reason: r.reason,
  createdAt: r.created_at,
});

/** A connection's failures, newest first. */
export async function listConnectionFailures(db: D1Database, workspaceId: string, connectionId: string, limit = 50): Promise<SyncFailureRow[]> {
  const { results } = await db
    .prepare(
      "SELECT id, connection_id, message, reason, created_at FROM sync_failures WHERE workspace_id = ? AND connection_id = ? ORDER BY created_at DESC, id LIMIT ?",
    )
    .bind(workspaceId, connectionId, limit)
    .all<FailureRecord>();
  return results.map(toFailure);
}

/** The workspace's failures grouped by connection, newest first, at most `perConnection` each (one query, for the Connections page). */
export async function listFailuresByConnection(
  db: D1Database,
  workspaceId: string,
  perConnection = 10,
): Promise<Map<string, { items: SyncFailureRow[]; total: number }>> {
  const { results } = await db
    .prepare(
      `SELECT id, connection_id, message, reason, created_at, n FROM (
         SELECT f.*, ROW_NUMBER() OVER (PARTITION BY connection_id ORDER BY created_at DESC, id) AS rn, COUNT(*) OVER (PARTITION BY connection_id) AS n
         FROM sync_failures f WHERE workspace_id = ? AND connection_id IS NOT NULL
       ) WHERE rn <= ? ORDER BY created_at DESC, id`,
    )
    .bind(workspaceId, perConnection)
    .all<FailureRecord & { n: number }>();
  const out = new Map<string, { items: SyncFailureRow[]; total: number }>();
  for (const r of results) {
    const key = r.connection_id!;
    const entry = out.get(key) ?? { items: [], total: r.n };
    entry.items.push(toFailure(r));
    out.set(key, entry);
  }
  return out;
}

export async function getConnectionFailure(db: D1Database, workspaceId: string, connectionId: string, id: string): Promise<SyncFailureRow | null> {
  const r = await db
    .prepare("SELECT id, connection_id, message, reason, created_at FROM sync_failures WHERE workspace_id = ? AND connection_id = ? AND id = ?")
    .bind(workspaceId, connectionId, id)
    .first<FailureRecord>();
  return r ? toFailure(r) : null;
}

/** Removes a failure once its retry is queued. Returns false when it was already gone (a double click). */
export async function deleteSyncFailure(db: D1Database, workspaceId: string, id: string): Promise<boolean> {
  const r = await db.prepare("DELETE FROM sync_failures WHERE workspace_id = ? AND id = ?").bind(workspaceId, id).run();
  return (r.meta.changes ?? 0) > 0;
}
