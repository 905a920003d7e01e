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

/** The database's size in bytes, as D1 reports it after a query (`meta.size_after`); null when the runtime does not say. */
export async function databaseBytes(db: D1Database): Promise<number | null> {
  const r = await db.prepare("SELECT 1").run();
  const size = (r.meta as { size_after?: number } | undefined)?.size_after;
  return typeof size === "number" && size > 0 ? size : null;
}
