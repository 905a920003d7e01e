/**
 * What a job needs about its workspace and connection, loaded once and handed down the path (as
 * Probot hands each webhook one `Context`): the workspace's settings, the latest audit head, the
 * learning state (the live workspace model and the write threshold's report) and, for a job about
 * one connection, the connection. Every queue job goes through it: the webhook batch loads one per
 * connection for classification and write-back; a write-back job one for the run; a classify job
 * one for classification (and the write-back run it starts); an audit job the settings once, for
 * the audit and every write-back run it starts (with the audit it just stored as the head); the
 * sync jobs load their connection once per job and hand it down. A service given a context reads
 * none of these again.
 */
import { getLatestAuditHead } from "../db/audits";
import { getConnectionForJob, type Connection } from "../db/connections";
import { getLearningState, type LearningState } from "../db/learning";
import { getSettings, type WorkspaceSettings } from "../db/workspaces";

export type AuditHead = NonNullable<Awaited<ReturnType<typeof getLatestAuditHead>>>;

export interface WorkspaceContext {
  settings: WorkspaceSettings;
  /** The workspace's latest audit (its id goes on write-back runs, its dominant constraint into scores), or null before the first. */
  latestAudit: AuditHead | null;
  /**
   * The `workspace_learning` row, read once: classification takes the live model from it, write-back
   * the threshold. Absent when the job does not classify or plan (the services read it then).
   */
  learning?: LearningState;
}

export interface ConnectionContext extends WorkspaceContext {
  connection: Connection;
}

/**
 * A workspace's context: settings, audit head and learning state, three reads in parallel. Null
 * when the workspace has no settings (deleted meanwhile).
 *
 * @example
 * const context = await loadWorkspaceContext(db, workspaceId);
 * await classifyPending(db, workspaceId, { now, context: context ?? undefined });
 */
export async function loadWorkspaceContext(db: D1Database, workspaceId: string): Promise<WorkspaceContext | null> {
  const [settings, latestAudit, learning] = await Promise.all([
    getSettings(db, workspaceId),
    getLatestAuditHead(db, workspaceId),
    getLearningState(db, workspaceId),
  ]);
  return settings ? { settings, latestAudit, learning } : null;
}

/**
 * The context of a connection already in hand (a webhook route lookup returns whole rows): its
 * workspace's context. Null when its workspace has no settings (deleted meanwhile).
 *
 * @example
 * const context = await loadConnectionContext(db, connection);
 * if (context) await classifyPending(db, connection.workspaceId, { now, context });
 */
export async function loadConnectionContext(db: D1Database, connection: Connection): Promise<ConnectionContext | null> {
  const workspace = await loadWorkspaceContext(db, connection.workspaceId);
  return workspace ? { ...workspace, connection } : null;
}

/** The context of a connection a job names by id (queue jobs carry ids we minted), or null when it is gone. */
export async function loadConnectionContextById(db: D1Database, connectionId: string): Promise<ConnectionContext | null> {
  const connection = await getConnectionForJob(db, connectionId);
  return connection ? loadConnectionContext(db, connection) : null;
}

/**
 * The connection a sync job works on, read once per job and handed to every step (pages, skipped
 * items, status changes); null when it is gone, revoked or disconnected (the job then does nothing).
 */
export async function loadLiveConnection(db: D1Database, connectionId: string): Promise<Connection | null> {
  const connection = await getConnectionForJob(db, connectionId);
  return connection && connection.status !== "revoked" && connection.status !== "disconnected" ? connection : null;
}
