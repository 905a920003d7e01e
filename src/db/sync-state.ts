/**
 * Sync progress per connection scope. A pass holds a lease (`run_id` +
 * `lease_until`) so two passes of one scope never interleave; its page cursor is
 * checkpointed after every page, so a crash or redeploy resumes where it stopped.
 */
export interface SyncState {
  connectionId: string;
  scopeId: string;
  workspaceId: string;
  cursor: string | null;
  runCursor: string | null;
  runId: string | null;
  status: "idle" | "running" | "waiting" | "error";
  leaseUntil: string | null;
  nextRunAt: string | null;
  lastStartedAt: string | null;
  lastSyncedAt: string | null;
  lastError: string | null;
  issuesSynced: number;
  requestsMade: number;
}

type Row = {
  connection_id: string;
  scope_id: string;
  workspace_id: string;
  cursor: string | null;
  run_cursor: string | null;
  run_id: string | null;
  status: SyncState["status"];
  lease_until: string | null;
  next_run_at: string | null;
  last_started_at: string | null;
  last_synced_at: string | null;
  last_error: string | null;
  issues_synced: number;
  requests_made: number;
};

const toState = (r: Row): SyncState => ({
  connectionId: r.connection_id,
  scopeId: r.scope_id,
  workspaceId: r.workspace_id,
  cursor: r.cursor,
  runCursor: r.run_cursor,
  runId: r.run_id,
  status: r.status,
  leaseUntil: r.lease_until,
  nextRunAt: r.next_run_at,
  lastStartedAt: r.last_started_at,
  lastSyncedAt: r.last_synced_at,
  lastError: r.last_error,
  issuesSynced: r.issues_synced,
  requestsMade: r.requests_made,
});

export async function getSyncState(db: D1Database, connectionId: string, scopeId: string): Promise<SyncState | null> {
  const r = await db.prepare("SELECT * FROM sync_state WHERE connection_id = ? AND scope_id = ?").bind(connectionId, scopeId).first<Row>();
  return r ? toState(r) : null;
}

export async function listSyncStates(db: D1Database, workspaceId: string, connectionId?: string): Promise<SyncState[]> {
  const { results } = connectionId
    ? await db.prepare("SELECT * FROM sync_state WHERE workspace_id = ? AND connection_id = ? ORDER BY scope_id").bind(workspaceId, connectionId).all<Row>()
    : await db.prepare("SELECT * FROM sync_state WHERE workspace_id = ? ORDER BY connection_id, scope_id").bind(workspaceId).all<Row>();
  return results.map(toState);
}

/**
 * Start a pass if none holds the lease (or the holder's lease expired).
 * Returns false when another pass is running: the caller does nothing.
 */
export async function startRun(db: D1Database, p: { connectionId: string; scopeId: string; runId: string; now: Date; leaseMs: number }): Promise<boolean> {
  const at = p.now.toISOString();
  const r = await db
    .prepare(
      `UPDATE sync_state SET run_id = ?,
         -- A pass whose lease lapsed (crash, redeploy) resumes from its last checkpoint, not from the start.
         run_cursor = CASE WHEN run_id IS NOT NULL AND run_cursor IS NOT NULL THEN run_cursor ELSE cursor END,
         status = 'running', lease_until = ?, last_started_at = ?, last_error = NULL
       WHERE connection_id = ? AND scope_id = ? AND (run_id IS NULL OR lease_until IS NULL OR lease_until < ?)`,
    )
    .bind(p.runId, new Date(p.now.getTime() + p.leaseMs).toISOString(), at, p.connectionId, p.scopeId, at)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** Checkpoint after a stored page; only the lease holder may write. Returns false if the lease was lost. */
export async function checkpointPage(
  db: D1Database,
  p: { connectionId: string; scopeId: string; runId: string; runCursor: string | null; issues: number; requests: number; now: Date; leaseMs: number },
): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE sync_state SET run_cursor = ?, issues_synced = issues_synced + ?, requests_made = requests_made + ?, lease_until = ?, status = 'running'
       WHERE connection_id = ? AND scope_id = ? AND run_id = ?`,
    )
    .bind(p.runCursor, p.issues, p.requests, new Date(p.now.getTime() + p.leaseMs).toISOString(), p.connectionId, p.scopeId, p.runId)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** The pass is caught up: its cursor becomes the checkpoint for the next incremental sync. */
export async function finishRun(
  db: D1Database,
  p: { connectionId: string; scopeId: string; runId: string; cursor: string | null; now: Date; nextRunAt: Date },
): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE sync_state SET cursor = ?, run_cursor = NULL, run_id = NULL, lease_until = NULL, status = 'idle', last_synced_at = ?, next_run_at = ?, last_error = NULL
       WHERE connection_id = ? AND scope_id = ? AND run_id = ?`,
    )
    .bind(p.cursor, p.now.toISOString(), p.nextRunAt.toISOString(), p.connectionId, p.scopeId, p.runId)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** Rate limited or failing: keep the run and its cursor, release nothing, say when it resumes. */
export async function markWaiting(db: D1Database, p: { connectionId: string; scopeId: string; runId: string; until: Date; error: string }): Promise<void> {
  await db
    .prepare(
      "UPDATE sync_state SET status = 'waiting', next_run_at = ?, lease_until = ?, last_error = ? WHERE connection_id = ? AND scope_id = ? AND run_id = ?",
    )
    .bind(p.until.toISOString(), new Date(p.until.getTime() + 60_000).toISOString(), p.error.slice(0, 500), p.connectionId, p.scopeId, p.runId)
    .run();
}

/** Stopped for good (revoked token, uninstalled app): the run ends, no retry loop. */
export async function stopRun(db: D1Database, p: { connectionId: string; error: string }): Promise<void> {
  await db
    .prepare("UPDATE sync_state SET status = 'error', run_id = NULL, lease_until = NULL, last_error = ? WHERE connection_id = ?")
    .bind(p.error.slice(0, 500), p.connectionId)
    .run();
}
