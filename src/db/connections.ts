/** Tracker connections and their sync state. Tokens arrive and leave encrypted: this module never sees plaintext. */
import { z } from "zod";
import type { SyncScope } from "../../connectors/types";
import { TrackerSchema, type Tracker } from "../../domain/types";
import { newId } from "../security/ids";
import { safeJson, type WriteMode } from "./workspaces";

export const CONNECTION_STATUSES = ["pending", "active", "rate_limited", "error", "revoked", "disconnected"] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export interface Connection {
  id: string;
  workspaceId: string;
  tracker: Tracker;
  accountId: string | null;
  accountName: string | null;
  siteId: string | null;
  siteUrl: string | null;
  grantedScopes: string[];
  syncScopes: SyncScope[];
  accessTokenEnc: string | null;
  refreshTokenEnc: string | null;
  tokenExpiresAt: string | null;
  status: ConnectionStatus;
  statusDetail: string | null;
  writeMode: WriteMode | null;
  createdAt: string;
  updatedAt: string;
  /** When a webhook delivery was last applied to this connection (null: none yet). */
  lastWebhookAt: string | null;
  /** Webhook deliveries applied to this connection since it was created. */
  webhooksApplied: number;
}

const SyncScopeSchema = z.object({ kind: z.enum(["repo", "team", "project"]), id: z.string(), name: z.string(), siteId: z.string().optional() });

type Row = {
  id: string;
  workspace_id: string;
  tracker: string;
  external_account_id: string | null;
  external_account_name: string | null;
  site_id: string | null;
  site_url: string | null;
  granted_scopes: string;
  sync_scopes: string;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_expires_at: string | null;
  status: ConnectionStatus;
  status_detail: string | null;
  write_mode: WriteMode | null;
  created_at: string;
  updated_at: string;
  last_webhook_at: string | null;
  webhooks_applied: number | null;
};

function toConnection(r: Row): Connection {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    tracker: TrackerSchema.parse(r.tracker),
    accountId: r.external_account_id,
    accountName: r.external_account_name,
    siteId: r.site_id,
    siteUrl: r.site_url,
    grantedScopes: z.array(z.string()).catch([]).parse(safeJson(r.granted_scopes)),
    syncScopes: z.array(SyncScopeSchema).catch([]).parse(safeJson(r.sync_scopes)),
    accessTokenEnc: r.access_token_enc,
    refreshTokenEnc: r.refresh_token_enc,
    tokenExpiresAt: r.token_expires_at,
    status: r.status,
    statusDetail: r.status_detail,
    writeMode: r.write_mode,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastWebhookAt: r.last_webhook_at ?? null,
    webhooksApplied: r.webhooks_applied ?? 0,
  };
}

export async function createConnection(
  db: D1Database,
  p: {
    workspaceId: string;
    tracker: Tracker;
    accountId: string | null;
    accountName: string | null;
    siteId?: string | null;
    siteUrl?: string | null;
    grantedScopes: string[];
    syncScopes?: SyncScope[];
    accessTokenEnc: string | null;
    refreshTokenEnc: string | null;
    tokenExpiresAt: string | null;
    status?: ConnectionStatus;
    now?: Date;
  },
): Promise<Connection> {
  const id = newId("conn");
  const at = (p.now ?? new Date()).toISOString();
  await db
    .prepare(
      `INSERT INTO connections (id, workspace_id, tracker, external_account_id, external_account_name, site_id, site_url, granted_scopes, sync_scopes,
        access_token_enc, refresh_token_enc, token_expires_at, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      id,
      p.workspaceId,
      p.tracker,
      p.accountId,
      p.accountName,
      p.siteId ?? null,
      p.siteUrl ?? null,
      JSON.stringify(p.grantedScopes),
      JSON.stringify(p.syncScopes ?? []),
      p.accessTokenEnc,
      p.refreshTokenEnc,
      p.tokenExpiresAt,
      p.status ?? "active",
      at,
      at,
    )
    .run();
  return (await getConnection(db, p.workspaceId, id))!;
}

/** Records that `count` webhook deliveries were applied to a connection (one statement per connection per queue batch). */
export async function noteWebhooksApplied(db: D1Database, connectionId: string, count: number, now: Date): Promise<void> {
  await db
    .prepare("UPDATE connections SET last_webhook_at = ?, webhooks_applied = webhooks_applied + ? WHERE id = ?")
    .bind(now.toISOString(), count, connectionId)
    .run();
}

/** A connection of this workspace, or null (never another workspace's). */
export async function getConnection(db: D1Database, workspaceId: string, id: string): Promise<Connection | null> {
  const r = await db.prepare("SELECT * FROM connections WHERE id = ? AND workspace_id = ?").bind(id, workspaceId).first<Row>();
  return r ? toConnection(r) : null;
}

/** Internal lookup for queue jobs, which carry a connection id minted by us. */
export async function getConnectionForJob(db: D1Database, id: string): Promise<Connection | null> {
  const r = await db.prepare("SELECT * FROM connections WHERE id = ?").bind(id).first<Row>();
  return r ? toConnection(r) : null;
}

/** The workspace a connection belongs to (the dead-letter consumer records failures under it), or null. */
export async function getConnectionWorkspaceId(db: D1Database, id: string): Promise<string | null> {
  const r = await db.prepare("SELECT workspace_id FROM connections WHERE id = ?").bind(id).first<{ workspace_id: string }>();
  return r?.workspace_id ?? null;
}

/** Connections the cron re-syncs: everything not stopped by a person or a revoked grant. */
export async function listConnectionIdsToResync(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare("SELECT id FROM connections WHERE status IN ('active', 'rate_limited', 'error')").all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function listConnections(db: D1Database, workspaceId: string): Promise<Connection[]> {
  const { results } = await db.prepare("SELECT * FROM connections WHERE workspace_id = ? ORDER BY created_at").bind(workspaceId).all<Row>();
  return results.map(toConnection);
}

/** Connections a webhook may belong to: by tracker and site (installation id, Linear org id, Jira cloudId). */
export async function findConnectionsBySite(db: D1Database, tracker: Tracker, siteId: string): Promise<Connection[]> {
  const { results } = await db
    .prepare("SELECT * FROM connections WHERE tracker = ? AND (site_id = ? OR external_account_id = ?) AND status NOT IN ('disconnected')")
    .bind(tracker, siteId, siteId)
    .all<Row>();
  return results.map(toConnection);
}

export async function findConnectionsByScope(db: D1Database, tracker: Tracker, scopeId: string): Promise<Connection[]> {
  const { results } = await db
    .prepare(
      "SELECT c.* FROM connections c JOIN sync_state s ON s.connection_id = c.id AND s.workspace_id = c.workspace_id WHERE c.tracker = ? AND s.scope_id = ? AND c.status NOT IN ('disconnected', 'revoked')",
    )
    .bind(tracker, scopeId)
    .all<Row>();
  return results.map(toConnection);
}

export async function updateTokens(
  db: D1Database,
  id: string,
  p: { accessTokenEnc: string; refreshTokenEnc: string | null; tokenExpiresAt: string | null },
  now = new Date(),
): Promise<void> {
  await db
    // A token refresh that finishes after a disconnect must not store tokens again.
    .prepare(
      "UPDATE connections SET access_token_enc = ?, refresh_token_enc = ?, token_expires_at = ?, updated_at = ? WHERE id = ? AND status != 'disconnected'",
    )
    .bind(p.accessTokenEnc, p.refreshTokenEnc, p.tokenExpiresAt, now.toISOString(), id)
    .run();
}

/**
 * The one way a job (sync, webhook, write-back, token refresh, dead-letter) changes a connection's
 * status. Guarded in the UPDATE itself, against the row as it is now rather than as the job read it:
 * a `disconnected` connection (an admin's decision) is never changed, and a `revoked` one only stays
 * revoked (its detail may change). Only a person ends those states, by connecting again (a new row)
 * or disconnecting (`disconnectConnection`). Returns whether the status was changed.
 *
 * @example
 * await transitionConnectionStatus(db, id, "active", null); // false if an admin disconnected it meanwhile
 */
export async function transitionConnectionStatus(
  db: D1Database,
  id: string,
  status: ConnectionStatus,
  detail: string | null,
  now = new Date(),
): Promise<boolean> {
  const r = await db
    .prepare(
      "UPDATE connections SET status = ?, status_detail = ?, updated_at = ? WHERE id = ? AND status != 'disconnected' AND (status != 'revoked' OR ? = 'revoked')",
    )
    .bind(status, detail, now.toISOString(), id, status)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

export async function setSyncScopes(db: D1Database, workspaceId: string, id: string, scopes: SyncScope[], now = new Date()): Promise<void> {
  const at = now.toISOString();
  const stmts = [
    db.prepare("UPDATE connections SET sync_scopes = ?, updated_at = ? WHERE id = ? AND workspace_id = ?").bind(JSON.stringify(scopes), at, id, workspaceId),
    ...scopes.map((s) =>
      db
        .prepare("INSERT INTO sync_state (connection_id, scope_id, workspace_id) VALUES (?, ?, ?) ON CONFLICT (connection_id, scope_id) DO NOTHING")
        .bind(id, s.id, workspaceId),
    ),
  ];
  await db.batch(stmts);
}

export async function setConnectionWriteMode(db: D1Database, workspaceId: string, id: string, mode: WriteMode | null, now = new Date()): Promise<void> {
  await db
    .prepare("UPDATE connections SET write_mode = ?, updated_at = ? WHERE id = ? AND workspace_id = ?")
    .bind(mode, now.toISOString(), id, workspaceId)
    .run();
}

/** Disconnect: tokens are deleted, the row stays for the ledger's history. */
export async function disconnectConnection(db: D1Database, workspaceId: string, id: string, now = new Date()): Promise<void> {
  await db
    .prepare(
      "UPDATE connections SET access_token_enc = NULL, refresh_token_enc = NULL, token_expires_at = NULL, status = 'disconnected', status_detail = 'Disconnected by an admin; tokens deleted.', updated_at = ? WHERE id = ? AND workspace_id = ?",
    )
    .bind(now.toISOString(), id, workspaceId)
    .run();
}
