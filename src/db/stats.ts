/**
 * Counting queries for the DEMO-only `/dev/stats` route the service benchmarks
 * read (bench/service.mjs): webhook deliveries by status, stored issues and
 * classifications, sync progress, and SQLite's `total_changes()` — the rows
 * inserted, updated or deleted on this database connection, a counter the
 * benchmark samples before and after a sync to get rows written per issue.
 */

export interface BenchStats {
  /** Webhook deliveries per status (`queued`, `processed`, `ignored`, `failed`). */
  deliveries: Record<string, number>;
  /** Deliveries in total (each delivery id is the primary key, so a row is one delivery). */
  deliveriesTotal: number;
  issues: number;
  classifications: number;
  /** Rows changed by INSERT/UPDATE/DELETE on the database connection so far (null when the runtime hides it). */
  totalChanges: number | null;
  /** Jobs set aside (dead-lettered, dropped or malformed): total and the last few reasons. */
  failures: { total: number; recent: string[] };
  syncState: Array<{ scopeId: string; status: string; issuesSynced: number; requestsMade: number; lastSyncedAt: string | null }>;
}

/**
 * @example
 * const s = await benchStats(env.DB, "ws_123"); // → { deliveries: { processed: 18000 }, issues: 60, … }
 */
export async function benchStats(db: D1Database, workspaceId: string | null): Promise<BenchStats> {
  const ws = workspaceId ?? "";
  const [del, issues, cls, sync, failN, failRecent] = await db.batch([
    db.prepare("SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status"),
    db.prepare("SELECT count(*) AS n FROM issues WHERE workspace_id = ?").bind(ws),
    db.prepare("SELECT count(*) AS n FROM classifications WHERE workspace_id = ?").bind(ws),
    db.prepare("SELECT scope_id, status, issues_synced, requests_made, last_synced_at FROM sync_state WHERE workspace_id = ?").bind(ws),
    db.prepare("SELECT count(*) AS n FROM sync_failures"),
    db.prepare("SELECT reason FROM sync_failures ORDER BY created_at DESC LIMIT 5"),
  ]);
  const deliveries = Object.fromEntries(((del?.results ?? []) as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));
  const count = (r: D1Result | undefined) => Number((r?.results?.[0] as { n?: number } | undefined)?.n ?? 0);
  return {
    deliveries,
    deliveriesTotal: Object.values(deliveries).reduce((a, b) => a + b, 0),
    issues: count(issues),
    classifications: count(cls),
    totalChanges: await totalChanges(db),
    failures: { total: count(failN), recent: ((failRecent?.results ?? []) as Array<{ reason: string }>).map((r) => r.reason) },
    syncState: (
      (sync?.results ?? []) as Array<{ scope_id: string; status: string; issues_synced: number; requests_made: number; last_synced_at: string | null }>
    ).map((r) => ({
      scopeId: r.scope_id,
      status: r.status,
      issuesSynced: r.issues_synced,
      requestsMade: r.requests_made,
      lastSyncedAt: r.last_synced_at,
    })),
  };
}

async function totalChanges(db: D1Database): Promise<number | null> {
  try {
    const r = await db.prepare("SELECT total_changes() AS n").first<{ n: number }>();
    return typeof r?.n === "number" ? r.n : null;
  } catch {
    return null;
  }
}

/** A page of a workspace's stored issues (ids the benchmark needs to build webhook payloads for real issues). */
export async function benchIssueSample(
  db: D1Database,
  workspaceId: string,
  limit: number,
): Promise<Array<{ externalId: string; key: string; updatedAt: string; labels: string; stateCategory: string }>> {
  const { results } = await db
    .prepare("SELECT external_id, key, updated_at, labels, state_category FROM issues WHERE workspace_id = ? AND deleted = 0 ORDER BY key LIMIT ?")
    .bind(workspaceId, Math.max(1, Math.min(1000, limit)))
    .all<{ external_id: string; key: string; updated_at: string; labels: string; state_category: string }>();
  return results.map((r) => ({ externalId: r.external_id, key: r.key, updatedAt: r.updated_at, labels: r.labels, stateCategory: r.state_category }));
}

/**
 * How fast this database takes writes from inside the Worker (DEMO-only `/dev/bench/writes`, for
 * docs/scaling.md): `rows` 1 KB rows into a scratch table, one statement at a time or `batch` per
 * db.batch (one transaction), then the table is dropped. Returns the elapsed milliseconds.
 */
export async function benchWrites(db: D1Database, p: { rows: number; batch: number }): Promise<{ rows: number; batch: number; ms: number }> {
  // A scratch table per call, so calls running at once do not drop each other's table.
  const table = `bench_writes_${crypto.randomUUID().replace(/-/g, "")}`;
  await db.prepare(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, workspace_id TEXT NOT NULL, body TEXT NOT NULL)`).run();
  const body = "x".repeat(1000);
  const insert = () => db.prepare(`INSERT INTO ${table} (workspace_id, body) VALUES (?, ?)`).bind("bench", body);
  const t0 = performance.now();
  for (let done = 0; done < p.rows; done += p.batch) {
    const n = Math.min(p.batch, p.rows - done);
    if (n === 1) await insert().run();
    else await db.batch(Array.from({ length: n }, insert));
  }
  const ms = performance.now() - t0;
  await db.prepare(`DROP TABLE ${table}`).run();
  return { rows: p.rows, batch: p.batch, ms };
}
