/**
 * Sync failures as people see them: which item failed (a scope's sync, a webhook delivery, a
 * write-back run…), why, when, and what "Retry" re-queues. A dead-lettered sync page is resumed
 * from its pass's checkpoint while that pass still holds the lease, any other sync failure is
 * retried as a fresh `sync-start` (a new pass re-fetches skipped items), other jobs as they were
 * set aside; a webhook whose stored body was truncated is
 * replaced by a re-sync of the connection, which applies the same change.
 */
import { deleteSyncFailure, getConnectionFailure, type SyncFailureRow } from "../db/failures";
import type { Connection } from "../db/connections";
import { getSyncState, type SyncState } from "../db/sync-state";
import type { Env } from "../env";
import { AppError } from "../errors";
import { JobSchema, type Job } from "../sync/jobs";

export interface SyncFailureView {
  id: string;
  /** What failed, in words. */
  item: string;
  /** The job type that was set aside (`sync-page`, `webhook`, `skipped-item`…; `unknown` if unreadable). */
  job: string;
  reason: string;
  createdAt: string;
  /** The job a retry queues, or null when nothing can be retried (the connection is disconnected). */
  retry: string | null;
}

function parseMessage(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function itemOf(m: Record<string, unknown> | null, connection: Connection): string {
  const scopeName = (id: unknown) => connection.syncScopes.find((s) => s.id === id)?.name ?? String(id);
  switch (m?.type) {
    case "sync-start":
      return "Start of a sync";
    case "sync-page":
      return `Sync of ${scopeName(m.scopeId)}`;
    case "skipped-item":
      return `Item ${String(m.ref)} in ${scopeName(m.scopeId)}`;
    case "webhook":
      return `Webhook delivery ${String(m.deliveryId)}`;
    case "classify":
      return "Classification of changed issues";
    case "audit":
      return "Audit of the workspace";
    case "writeback":
      return `Write-back run ${String(m.runId)}`;
    case "refresh-webhooks":
      return "Renewal of the tracker's webhooks";
    default:
      return "A queue message that could not be read";
  }
}

/**
 * The job a retry queues for this failure. A dead-lettered sync page whose pass still holds the
 * scope's lease is resumed as that page (from the pass's checkpoint): a new `sync-start` would wait
 * for the lease to lapse. Any other sync failure becomes a fresh `sync-start`.
 */
export function retryJobFor(f: SyncFailureRow, connection: Connection, currentRunId?: string | null): Job {
  const m = parseMessage(f.message);
  const resync: Job = { type: "sync-start", connectionId: connection.id, reason: "manual" };
  if (m?.type === "sync-page") {
    const page = JobSchema.safeParse(m);
    return page.success && page.data.type === "sync-page" && currentRunId === page.data.runId ? page.data : resync;
  }
  if (!m || m.type === "sync-start" || m.type === "skipped-item") return resync;
  const parsed = JobSchema.safeParse(m);
  return parsed.success ? parsed.data : resync;
}

async function currentRunOf(db: D1Database, connectionId: string, f: SyncFailureRow): Promise<string | null> {
  const m = parseMessage(f.message);
  if (m?.type !== "sync-page" || typeof m.scopeId !== "string") return null;
  return (await getSyncState(db, connectionId, m.scopeId))?.runId ?? null;
}

/** @param states the connection's sync states (for whether a dead page's pass still holds its lease). */
export function failureView(
  f: SyncFailureRow,
  connection: Connection,
  states: ReadonlyArray<Pick<SyncState, "connectionId" | "scopeId" | "runId">>,
): SyncFailureView {
  const m = parseMessage(f.message);
  const runId = m?.type === "sync-page" ? (states.find((s) => s.connectionId === connection.id && s.scopeId === m.scopeId)?.runId ?? null) : null;
  return {
    id: f.id,
    item: itemOf(m, connection),
    job: typeof m?.type === "string" ? m.type : "unknown",
    reason: f.reason,
    createdAt: f.createdAt,
    retry: connection.status === "disconnected" ? null : retryJobFor(f, connection, runId).type,
  };
}

/**
 * Queues the failure's retry, then removes it from the list (a new failure is recorded if the
 * retry fails again). 404 `not_found` for an unknown id; 409 `conflict` for a disconnected connection.
 */
export async function retrySyncFailure(env: Env, connection: Connection, failureId: string): Promise<Job> {
  const f = await getConnectionFailure(env.DB, connection.workspaceId, connection.id, failureId);
  if (!f) throw new AppError("not_found", "No such sync failure for this connection");
  if (connection.status === "disconnected") throw new AppError("conflict", "This connection is disconnected: connect the tracker again to sync.");
  const job = retryJobFor(f, connection, await currentRunOf(env.DB, connection.id, f));
  await env.SYNC_QUEUE.send(job);
  await deleteSyncFailure(env.DB, connection.workspaceId, f.id);
  return job;
}
