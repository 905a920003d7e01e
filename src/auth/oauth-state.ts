/**
 * OAuth `state`: random, stored as its SHA-256, bound to the session (or, for
 * a sign-in before any session exists, to a short-lived browser-binding
 * cookie), carrying the PKCE verifier encrypted at rest. Ten minutes, single
 * use: consuming deletes the row atomically (`DELETE … RETURNING`), so a replay
 * finds nothing.
 */
import type { Tracker } from "../../domain/types";
import { insertOAuthState, takeOAuthState, type OAuthPurpose } from "../db/oauth-states";
import { AppError } from "../errors";
import { decryptSecret, encryptSecret, type KeyMaterial } from "../security/crypto";
import { base64url, randomSecret, sha256Hex } from "../security/ids";
import { safeRedirectPath } from "./util";

export const OAUTH_STATE_TTL_MS = 10 * 60_000;
export type { OAuthPurpose };

export interface CreateOAuthStateInput {
  /** The session id (SHA-256) the flow is bound to, or a `pre:` binding for sign-in; null = unbound (avoid). */
  sessionId: string | null;
  workspaceId?: string | null;
  tracker: Tracker;
  purpose: OAuthPurpose;
  /** Where to go afterwards; kept only if it is a same-origin relative path. */
  redirectTo?: string | null;
  /** TOKEN_ENCRYPTION_KEYS (getConfig(env).TOKEN_ENCRYPTION_KEYS). */
  keys: KeyMaterial[];
  now?: number;
}

export interface CreatedOAuthState {
  /** Goes in the authorize URL; never stored in plaintext. */
  state: string;
  /** S256 PKCE challenge for the authorize URL. */
  codeChallenge: string;
  codeChallengeMethod: "S256";
  expiresAt: string;
}

export interface ConsumedOAuthState {
  sessionId: string | null;
  workspaceId: string | null;
  tracker: Tracker;
  purpose: OAuthPurpose;
  /** The PKCE verifier for `exchangeCode`. */
  codeVerifier: string;
  redirectTo: string | null;
}

const ctxFor = (stateHash: string) => `oauth_state:${stateHash}`;

export async function pkceChallenge(verifier: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(d));
}

/**
 * Creates and stores a state. Also sweeps expired states.
 *
 * @example
 * const { state, codeChallenge } = await createOAuthState(db, { sessionId: session.id, workspaceId, tracker: "linear", purpose: "connect", keys });
 * return c.redirect(connector.oauth.authorizeUrl({ state, codeChallenge, redirectUri }));
 */
export async function createOAuthState(db: D1Database, p: CreateOAuthStateInput): Promise<CreatedOAuthState> {
  const now = p.now ?? Date.now();
  const state = randomSecret(32);
  const hash = await sha256Hex(state);
  const verifier = randomSecret(48);
  const expiresAt = new Date(now + OAUTH_STATE_TTL_MS).toISOString();
  const encrypted = await encryptSecret(p.keys, verifier, ctxFor(hash));
  await insertOAuthState(db, {
    stateHash: hash,
    sessionId: p.sessionId,
    workspaceId: p.workspaceId ?? null,
    tracker: p.tracker,
    purpose: p.purpose,
    codeVerifierEnc: encrypted,
    redirectTo: safeRedirectPath(p.redirectTo),
    createdAt: new Date(now).toISOString(),
    expiresAt,
  });
  return { state, codeChallenge: await pkceChallenge(verifier), codeChallengeMethod: "S256", expiresAt };
}

/**
 * Consumes a state exactly once. Throws AppError `oauth_state_invalid` when it
 * is unknown or already used, expired, for another tracker, or bound to
 * another session (a state bound to a session only works for that session).
 * `sessionId` may list several bindings the caller holds (session id and the
 * pre-sign-in binding), when one callback URL serves both purposes.
 * The row is deleted in every case, so a refused state can't be retried.
 *
 * @example
 * const rec = await consumeOAuthState(db, c.req.query("state"), session?.id ?? null, "github", { keys });
 */
export async function consumeOAuthState(
  db: D1Database,
  state: string | null | undefined,
  sessionId: string | null | ReadonlyArray<string | null>,
  tracker: Tracker,
  opts: { keys: KeyMaterial[]; now?: number },
): Promise<ConsumedOAuthState> {
  if (!state || state.length > 256) throw new AppError("oauth_state_invalid", "The sign-in link is missing its state parameter: start again");
  const now = opts.now ?? Date.now();
  const hash = await sha256Hex(state);
  const row = await takeOAuthState(db, hash);
  if (!row) throw new AppError("oauth_state_invalid", "This authorization was already used or is unknown: start again", { reason: "reused_or_unknown" });
  if (Date.parse(row.expiresAt) <= now)
    throw new AppError("oauth_state_invalid", "This authorization expired (10 minutes): start again", { reason: "expired" });
  if (row.tracker !== tracker)
    throw new AppError("oauth_state_invalid", "This authorization was started for another tracker", { reason: "mismatched_tracker" });
  const bindings = Array.isArray(sessionId) ? sessionId : [sessionId];
  if (row.sessionId !== null && !bindings.includes(row.sessionId)) {
    throw new AppError("oauth_state_invalid", "This authorization was started in another browser session: start again from this browser", {
      reason: "mismatched_session",
    });
  }
  if (!row.codeVerifierEnc) throw new AppError("oauth_state_invalid", "This authorization has no PKCE verifier", { reason: "corrupt" });
  let codeVerifier: string;
  try {
    codeVerifier = await decryptSecret(opts.keys, row.codeVerifierEnc, ctxFor(hash));
  } catch {
    throw new AppError("oauth_state_invalid", "This authorization can no longer be verified (key rotated): start again", { reason: "undecryptable" });
  }
  return {
    sessionId: row.sessionId,
    workspaceId: row.workspaceId,
    tracker: row.tracker,
    purpose: row.purpose,
    codeVerifier,
    redirectTo: safeRedirectPath(row.redirectTo),
  };
}
