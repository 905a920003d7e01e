/** Items skipped at the connector boundary, kept until a later pass re-fetches them. */
import type { SkippedItem } from "../../connectors/types";

export interface SkippedRow {
  ref: string;
  externalId: string | null;
  key: string | null;
  reason: string;
  attempts: number;
}

export async function recordSkipped(
  db: D1Database,
  p: { workspaceId: string; connectionId: string; scopeId: string; items: SkippedItem[]; now: Date },
): Promise<void> {
  if (p.items.length === 0) return;
  const at = p.now.toISOString();
  await db.batch(
    p.items.slice(0, 50).map((i) =>
      db
        .prepare(
          `INSERT INTO sync_skipped (connection_id, scope_id, ref, workspace_id, external_id, issue_key, reason, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (connection_id, scope_id, ref) DO UPDATE SET reason = excluded.reason, last_seen = excluded.last_seen,
             external_id = COALESCE(excluded.external_id, sync_skipped.external_id), issue_key = COALESCE(excluded.issue_key, sync_skipped.issue_key)`,
        )
        .bind(p.connectionId, p.scopeId, i.ref.slice(0, 300), p.workspaceId, i.externalId ?? null, i.key ?? null, i.reason.slice(0, 500), at, at),
    ),
  );
}

/** Skipped items still worth retrying (a few attempts each). */
export async function listSkipped(db: D1Database, connectionId: string, scopeId: string, limit = 20): Promise<SkippedRow[]> {
  const { results } = await db
    .prepare(
      "SELECT ref, external_id, issue_key, reason, attempts FROM sync_skipped WHERE connection_id = ? AND scope_id = ? AND attempts < 5 ORDER BY first_seen LIMIT ?",
    )
    .bind(connectionId, scopeId, limit)
    .all<{ ref: string; external_id: string | null; issue_key: string | null; reason: string; attempts: number }>();
  return results.map((r) => ({ ref: r.ref, externalId: r.external_id, key: r.issue_key, reason: r.reason, attempts: r.attempts }));
}

export async function resolveSkipped(db: D1Database, connectionId: string, scopeId: string, ref: string): Promise<void> {
  await db.prepare("DELETE FROM sync_skipped WHERE connection_id = ? AND scope_id = ? AND ref = ?").bind(connectionId, scopeId, ref).run();
}

export async function bumpSkipped(db: D1Database, connectionId: string, scopeId: string, ref: string, reason: string, now: Date): Promise<void> {
  await db
    .prepare("UPDATE sync_skipped SET attempts = attempts + 1, reason = ?, last_seen = ? WHERE connection_id = ? AND scope_id = ? AND ref = ?")
    .bind(reason.slice(0, 500), now.toISOString(), connectionId, scopeId, ref)
    .run();
}
