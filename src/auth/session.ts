/**
 * Browser sessions. The cookie holds a random secret; D1 holds its SHA-256
 * (`sessions.id`), the user, a per-session CSRF token and the expiry. Sessions
 * live 14 days and slide forward at most once a day, so a busy user costs one
 * write per day rather than one per request.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { deleteSession, extendSession, findSession, insertSession } from "../db/accounts";
import { randomSecret, sha256Hex } from "../security/ids";
import "./types";
import { isHttps, nowMs, unauthenticated } from "./util";

export const SESSION_TTL_MS = 14 * 24 * 3600_000;
/** A session is slid forward when it was last extended more than this long ago. */
export const SESSION_REFRESH_MS = 24 * 3600_000;

/** `__Host-ba_session` over https; plain `ba_session` on local http (browsers refuse `__Host-` without Secure). */
export function sessionCookieName(c: Context<AppEnv>): string {
  return isHttps(c) ? "__Host-ba_session" : "ba_session";
}

function writeCookie(c: Context<AppEnv>, secret: string, expiresAt: number): void {
  setCookie(c, sessionCookieName(c), secret, {
    httpOnly: true,
    secure: isHttps(c),
    sameSite: "Lax",
    path: "/",
    expires: new Date(expiresAt),
  });
}

/**
 * Starts a session for `userId`: inserts the row, sets the cookie. Call it on
 * sign-in only, after deleting any previous session (fixation defence).
 *
 * @example
 * const s = await startSession(c, userId); // cookie set on c's response
 */
export async function startSession(c: Context<AppEnv>, userId: string): Promise<{ id: string; csrfToken: string; expiresAt: number }> {
  const now = nowMs(c);
  const secret = randomSecret(32);
  const id = await sha256Hex(secret);
  const csrfToken = randomSecret(24);
  const expiresAt = now + SESSION_TTL_MS;
  await insertSession(c.env.DB, { id, userId, csrfToken, now, expiresAt });
  writeCookie(c, secret, expiresAt);
  return { id, csrfToken, expiresAt };
}

/** Deletes the current session row (server-side invalidation) and clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const s = c.get("session");
  if (s) await deleteSession(c.env.DB, s.id);
  else {
    const secret = getCookie(c, sessionCookieName(c));
    if (secret) await deleteSession(c.env.DB, await sha256Hex(secret));
  }
  deleteCookie(c, sessionCookieName(c), { path: "/", secure: isHttps(c), httpOnly: true, sameSite: "Lax" });
  c.set("session", null);
}

/**
 * Sets `c.var.session` from the cookie (null when absent, unknown or expired),
 * sliding the expiry once a day. Requests already authenticated by an API token
 * get no session: a bearer request never borrows a browser's ambient authority.
 */
export const loadSession = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  c.set("session", null);
  if (c.get("apiToken")) return next();
  const secret = getCookie(c, sessionCookieName(c));
  if (secret && secret.length <= 128) {
    const now = nowMs(c);
    const s = await findSession(c.env.DB, await sha256Hex(secret), now);
    if (s) {
      const expires = Date.parse(s.expiresAt);
      if (expires - now < SESSION_TTL_MS - SESSION_REFRESH_MS) {
        const next = now + SESSION_TTL_MS;
        await extendSession(c.env.DB, s.id, next);
        writeCookie(c, secret, next);
        s.expiresAt = new Date(next).toISOString();
      }
      c.set("session", s);
    }
  }
  return next();
};

/** Requires a signed-in user (or an API token): 401 JSON on `/api/…` and non-GET, redirect to `/signin?next=…` for pages. */
export const requireUser = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!c.get("session") && !c.get("apiToken")) return unauthenticated(c);
  return next();
};
