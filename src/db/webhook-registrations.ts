/** Dynamic webhooks we registered in a tracker (Jira), and their expiry. */
export async function saveWebhookRegistrations(
  db: D1Database,
  p: { workspaceId: string; connectionId: string; ids: Array<string | number>; expiresAt: string | null; now: Date },
): Promise<void> {
  if (p.ids.length === 0) return;
  await db.batch(
    p.ids.map((id) =>
      db
        .prepare(
          "INSERT INTO connection_webhooks (connection_id, webhook_id, workspace_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (connection_id, webhook_id) DO UPDATE SET expires_at = excluded.expires_at",
        )
        .bind(p.connectionId, String(id), p.workspaceId, p.expiresAt, p.now.toISOString()),
    ),
  );
}

/** Connections with webhooks expiring before `before` (or with unknown expiry), and their ids. */
export async function webhooksExpiringBefore(db: D1Database, before: Date): Promise<Map<string, string[]>> {
  const { results } = await db
    .prepare("SELECT connection_id, webhook_id FROM connection_webhooks WHERE expires_at IS NULL OR expires_at < ?")
    .bind(before.toISOString())
    .all<{ connection_id: string; webhook_id: string }>();
  const out = new Map<string, string[]>();
  for (const r of results) out.set(r.connection_id, [...(out.get(r.connection_id) ?? []), r.webhook_id]);
  return out;
}

export async function markWebhooksRefreshed(db: D1Database, connectionId: string, expiresAt: string, now: Date): Promise<void> {
  await db
    .prepare("UPDATE connection_webhooks SET expires_at = ?, refreshed_at = ? WHERE connection_id = ?")
    .bind(expiresAt, now.toISOString(), connectionId)
    .run();
}
