/**
 * What a job needs about one connection, loaded once and handed down the path (as Probot hands
 * each webhook one `Context`): the connection, its workspace's settings and the latest audit head.
 * The webhook batch loads it once per connection and passes it to classification and write-back;
 * a write-back job loads it once for the run. A service given a context reads none of these again.
 */
import { getLatestAuditHead } from "../db/audits";
import { getConnectionForJob, type Connection } from "../db/connections";
import { getSettings, type WorkspaceSettings } from "../db/workspaces";

export type AuditHead = NonNullable<Awaited<ReturnType<typeof getLatestAuditHead>>>;

export interface ConnectionContext {
  connection: Connection;
  settings: WorkspaceSettings;
  /** The workspace's latest audit (its id goes on write-back runs, its dominant constraint into scores), or null before the first. */
  latestAudit: AuditHead | null;
}

/**
 * The context of a connection already in hand (a webhook route lookup returns whole rows): two
 * reads, in parallel. Null when its workspace has no settings (deleted meanwhile).
 *
 * @example
 * const context = await loadConnectionContext(db, connection);
 * if (context) await classifyPending(db, connection.workspaceId, { now, context });
 */
export async function loadConnectionContext(db: D1Database, connection: Connection): Promise<ConnectionContext | null> {
  const [settings, latestAudit] = await Promise.all([getSettings(db, connection.workspaceId), getLatestAuditHead(db, connection.workspaceId)]);
  return settings ? { connection, settings, latestAudit } : null;
}

/** The context of a connection a job names by id (queue jobs carry ids we minted), or null when it is gone. */
export async function loadConnectionContextById(db: D1Database, connectionId: string): Promise<ConnectionContext | null> {
  const connection = await getConnectionForJob(db, connectionId);
  return connection ? loadConnectionContext(db, connection) : null;
}
