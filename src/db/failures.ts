/** Dead-lettered sync messages, with the reason. */
import { newId } from "../security/ids";

export async function recordSyncFailure(
  db: D1Database,
  p: { workspaceId?: string | null; connectionId?: string | null; message: unknown; reason: string; now?: Date },
): Promise<string> {
  const id = newId("fail");
  await db
    .prepare("INSERT INTO sync_failures (id, workspace_id, connection_id, message, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(id, p.workspaceId ?? null, p.connectionId ?? null, JSON.stringify(p.message).slice(0, 8000), p.reason.slice(0, 1000), (p.now ?? new Date()).toISOString())
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
