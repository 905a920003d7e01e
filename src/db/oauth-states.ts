/**
 * Stored OAuth states (`oauth_states`): keyed by the state's SHA-256, carrying the encrypted PKCE
 * verifier. The flow itself (minting, binding, checks) is in src/auth/oauth-state.ts.
 */
import type { Tracker } from "../../domain/types";

export type OAuthPurpose = "connect" | "signin";

export interface OAuthStateRow {
  /** SHA-256 of the state (the plaintext state is never stored). */
  stateHash: string;
  sessionId: string | null;
  workspaceId: string | null;
  tracker: Tracker;
  purpose: OAuthPurpose;
  /** The PKCE verifier, encrypted. */
  codeVerifierEnc: string | null;
  redirectTo: string | null;
  createdAt: string;
  expiresAt: string;
}

/** Stores a state and sweeps the expired ones, in one batch. */
export async function insertOAuthState(db: D1Database, row: OAuthStateRow): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM oauth_states WHERE expires_at <= ?").bind(row.createdAt),
    db
      .prepare(
        "INSERT INTO oauth_states (state, session_id, workspace_id, tracker, purpose, code_verifier, redirect_to, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .bind(row.stateHash, row.sessionId, row.workspaceId, row.tracker, row.purpose, row.codeVerifierEnc, row.redirectTo, row.createdAt, row.expiresAt),
  ]);
}

type Row = {
  state: string;
  session_id: string | null;
  workspace_id: string | null;
  tracker: Tracker;
  purpose: OAuthPurpose;
  code_verifier: string | null;
  redirect_to: string | null;
  expires_at: string;
};

/** Deletes a state and returns it (`DELETE … RETURNING`: single use, a replay finds nothing), or null. */
export async function takeOAuthState(db: D1Database, stateHash: string): Promise<Omit<OAuthStateRow, "createdAt"> | null> {
  const r = await db
    .prepare("DELETE FROM oauth_states WHERE state = ? RETURNING state, session_id, workspace_id, tracker, purpose, code_verifier, redirect_to, expires_at")
    .bind(stateHash)
    .first<Row>();
  if (!r) return null;
  return {
    stateHash: r.state,
    sessionId: r.session_id,
    workspaceId: r.workspace_id,
    tracker: r.tracker,
    purpose: r.purpose,
    codeVerifierEnc: r.code_verifier,
    redirectTo: r.redirect_to,
    expiresAt: r.expires_at,
  };
}
