/** Database health: a round trip and the latest applied migration. */
export async function checkDatabase(db: D1Database): Promise<{ ok: true; latencyMs: number; migration: string | null } | { ok: false; error: string }> {
  const started = Date.now();
  try {
    const row = await db.prepare("SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1").first<{ name: string }>();
    await db.prepare("SELECT count(*) AS n FROM workspaces").first();
    return { ok: true, latencyMs: Date.now() - started, migration: row?.name ?? null };
  } catch (e) {
    return { ok: false, error: (e as Error).message.slice(0, 200) };
  }
}
