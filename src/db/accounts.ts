/**
 * Accounts storage: users, sessions, API tokens, invites and members.
 * Secrets never reach D1: sessions, tokens and invites are stored as the
 * SHA-256 of the secret the user holds. Every tenant query filters on workspace_id.
 */
import type { Tracker } from "../../domain/types";
import type { Role, SessionInfo, TokenScope } from "../auth/types";
import { newId } from "../security/ids";

const iso = (ms: number) => new Date(ms).toISOString();

// ---------- users ----------

/** Creates or refreshes the user for a tracker identity; returns the user id. */
export async function upsertUser(
  db: D1Database,
  p: { tracker: Tracker; externalId: string; login: string; name?: string | null; now: number },
): Promise<string> {
  const r = await db
    .prepare(
      `INSERT INTO users (id, tracker, external_id, login, name, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tracker, external_id) DO UPDATE SET login = excluded.login, name = excluded.name
       RETURNING id`,
    )
    .bind(newId("usr"), p.tracker, p.externalId, p.login, p.name ?? null, iso(p.now))
    .first<{ id: string }>();
  if (!r) throw new Error("user upsert returned no row");
  return r.id;
}

// ---------- sessions ----------

type SessionRow = { id: string; user_id: string; csrf_token: string; expires_at: string; tracker: Tracker; login: string; name: string | null };

export async function insertSession(db: D1Database, p: { id: string; userId: string; csrfToken: string; now: number; expiresAt: number }): Promise<void> {
  await db.batch([
    // Opportunistic clean-up of this user's dead sessions.
    db.prepare("DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?").bind(p.userId, iso(p.now)),
    db
      .prepare("INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .bind(p.id, p.userId, p.csrfToken, iso(p.now), iso(p.expiresAt)),
  ]);
}

/** The live session with this id (a SHA-256), joined with its user; null when unknown or expired. */
export async function findSession(db: D1Database, id: string, now: number): Promise<SessionInfo | null> {
  const r = await db
    .prepare(
      `SELECT s.id, s.user_id, s.csrf_token, s.expires_at, u.tracker, u.login, u.name
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ?`,
    )
    .bind(id, iso(now))
    .first<SessionRow>();
  if (!r) return null;
  return {
    id: r.id,
    userId: r.user_id,
    csrfToken: r.csrf_token,
    expiresAt: r.expires_at,
    user: { id: r.user_id, tracker: r.tracker, login: r.login, name: r.name },
  };
}

export async function extendSession(db: D1Database, id: string, expiresAt: number): Promise<void> {
  await db.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?").bind(iso(expiresAt), id).run();
}

export async function deleteSession(db: D1Database, id: string): Promise<void> {
  await db.prepare("DELETE FROM sessions WHERE id = ?").bind(id).run();
}

// ---------- API tokens ----------

export interface ApiTokenRow {
  id: string;
  workspaceId: string;
  name: string;
  scope: TokenScope;
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
type TokenDbRow = {
  id: string;
  workspace_id: string;
  name: string;
  scope: TokenScope;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
};
const toToken = (r: TokenDbRow): ApiTokenRow => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  scope: r.scope,
  createdBy: r.created_by,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});
const TOKEN_COLS = "id, workspace_id, name, scope, created_by, created_at, last_used_at, revoked_at";

export async function insertApiToken(
  db: D1Database,
  p: { workspaceId: string; name: string; scope: TokenScope; tokenHash: string; createdBy: string | null; now: number },
): Promise<ApiTokenRow> {
  const r = await db
    .prepare(`INSERT INTO api_tokens (id, workspace_id, name, token_hash, scope, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${TOKEN_COLS}`)
    .bind(newId("tok"), p.workspaceId, p.name, p.tokenHash, p.scope, p.createdBy, iso(p.now))
    .first<TokenDbRow>();
  if (!r) throw new Error("token insert returned no row");
  return toToken(r);
}

/** The unrevoked token with this hash, or null. */
export async function findApiTokenByHash(db: D1Database, tokenHash: string): Promise<ApiTokenRow | null> {
  const r = await db.prepare(`SELECT ${TOKEN_COLS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`).bind(tokenHash).first<TokenDbRow>();
  return r ? toToken(r) : null;
}

export async function listApiTokens(db: D1Database, workspaceId: string): Promise<ApiTokenRow[]> {
  const { results } = await db
    .prepare(`SELECT ${TOKEN_COLS} FROM api_tokens WHERE workspace_id = ? ORDER BY created_at DESC`)
    .bind(workspaceId)
    .all<TokenDbRow>();
  return results.map(toToken);
}

/** Revokes a token of this workspace; false when there is no such live token in it. */
export async function revokeApiToken(db: D1Database, workspaceId: string, tokenId: string, now: number): Promise<boolean> {
  const r = await db
    .prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND workspace_id = ? AND revoked_at IS NULL")
    .bind(iso(now), tokenId, workspaceId)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** Records use, at most once per `minIntervalMs` (the WHERE clause makes concurrent updates idempotent). */
export async function touchApiToken(db: D1Database, tokenId: string, now: number, minIntervalMs = 60_000): Promise<void> {
  await db
    .prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")
    .bind(iso(now), tokenId, iso(now - minIntervalMs))
    .run();
}

// ---------- invites ----------

export async function insertInvite(
  db: D1Database,
  p: { id: string; workspaceId: string; role: Role; createdBy: string | null; now: number; expiresAt: number },
): Promise<void> {
  await db
    .prepare("INSERT INTO invites (id, workspace_id, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(p.id, p.workspaceId, p.role, p.createdBy, iso(p.now), iso(p.expiresAt))
    .run();
}

export type InviteLookup = { status: "valid"; workspaceId: string; workspaceName: string; role: Role } | { status: "used" | "expired" | "unknown" };

/** Reads an invite (by the SHA-256 of its secret) without using it. */
export async function findInvite(db: D1Database, id: string, now: number): Promise<InviteLookup> {
  const r = await db
    .prepare("SELECT i.workspace_id, i.role, i.expires_at, i.used_at, w.name FROM invites i JOIN workspaces w ON w.id = i.workspace_id WHERE i.id = ?")
    .bind(id)
    .first<{ workspace_id: string; role: Role; expires_at: string; used_at: string | null; name: string }>();
  if (!r) return { status: "unknown" };
  if (r.used_at) return { status: "used" };
  if (r.expires_at <= iso(now)) return { status: "expired" };
  return { status: "valid", workspaceId: r.workspace_id, workspaceName: r.name, role: r.role };
}

/** Marks the invite used, atomically: exactly one caller gets the row back. */
export async function claimInvite(db: D1Database, id: string, now: number): Promise<{ workspaceId: string; role: Role } | null> {
  const r = await db
    .prepare("UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING workspace_id, role")
    .bind(iso(now), id, iso(now))
    .first<{ workspace_id: string; role: Role }>();
  return r ? { workspaceId: r.workspace_id, role: r.role } : null;
}

export async function listOpenInvites(db: D1Database, workspaceId: string, now: number): Promise<Array<{ role: Role; createdAt: string; expiresAt: string }>> {
  const { results } = await db
    .prepare("SELECT role, created_at, expires_at FROM invites WHERE workspace_id = ? AND used_at IS NULL AND expires_at > ? ORDER BY created_at DESC")
    .bind(workspaceId, iso(now))
    .all<{ role: Role; created_at: string; expires_at: string }>();
  return results.map((r) => ({ role: r.role, createdAt: r.created_at, expiresAt: r.expires_at }));
}

// ---------- members ----------

export interface MemberRow {
  userId: string;
  login: string;
  name: string | null;
  tracker: Tracker;
  role: Role;
  joinedAt: string;
}

export async function listMembers(db: D1Database, workspaceId: string): Promise<MemberRow[]> {
  const { results } = await db
    .prepare(
      `SELECT m.user_id, u.login, u.name, u.tracker, m.role, m.created_at FROM workspace_members m JOIN users u ON u.id = m.user_id
       WHERE m.workspace_id = ? ORDER BY m.created_at`,
    )
    .bind(workspaceId)
    .all<{ user_id: string; login: string; name: string | null; tracker: Tracker; role: Role; created_at: string }>();
  return results.map((r) => ({ userId: r.user_id, login: r.login, name: r.name, tracker: r.tracker, role: r.role, joinedAt: r.created_at }));
}

/**
 * Removes a member. Refuses (returns "last_admin") to remove the workspace's
 * only admin, so a workspace never ends up without one.
 */
export async function removeMember(db: D1Database, workspaceId: string, userId: string): Promise<"removed" | "not_member" | "last_admin"> {
  const r = await db
    .prepare(
      `DELETE FROM workspace_members WHERE workspace_id = ?1 AND user_id = ?2
       AND (role = 'member' OR (SELECT COUNT(*) FROM workspace_members WHERE workspace_id = ?1 AND role = 'admin') > 1)
       RETURNING user_id`,
    )
    .bind(workspaceId, userId)
    .first<{ user_id: string }>();
  if (r) return "removed";
  const still = await db.prepare("SELECT 1 AS x FROM workspace_members WHERE workspace_id = ? AND user_id = ?").bind(workspaceId, userId).first();
  return still ? "last_admin" : "not_member";
}

/** Adds a member without ever downgrading an existing admin. */
export async function joinWorkspace(db: D1Database, workspaceId: string, userId: string, role: Role, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = CASE WHEN workspace_members.role = 'admin' THEN 'admin' ELSE excluded.role END`,
    )
    .bind(workspaceId, userId, role, iso(now))
    .run();
}
