/**
 * Sign-in through a tracker identity (GitHub, Linear, Atlassian), sign-out,
 * invites and `/api/v1/me`. The sign-in access token is used once to learn who
 * the user is, then dropped: it is never stored.
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import type { Connector } from "../../connectors/types";
import { TrackerSchema, type Tracker } from "../../domain/types";
import type { Deps } from "../deps";
import { getConfig, type Env } from "../env";
import { AppError } from "../errors";
import { claimInvite, deleteSession, findInvite, joinWorkspace, upsertUser } from "../db/accounts";
import { addMember, createWorkspace, listWorkspacesForUser } from "../db/workspaces";
import { ensureRoomForNewTenant } from "../services/capacity";
import { randomSecret, sha256Hex } from "../security/ids";
import { consumeOAuthState, createOAuthState, type ConsumedOAuthState } from "../auth/oauth-state";
import { accountPage, CsrfField } from "../auth/page";
import { rateLimit, type RateLimitOptions } from "../auth/rate-limit";
import { endSession, requireUser, startSession } from "../auth/session";
import { isHttps, nowMs, safeRedirectPath, unauthenticated } from "../auth/util";

/** Returns the connector for a tracker (only `oauth` is used), or null when it is not configured. */
export type ConnectorLookup = (tracker: Tracker, env: Env, deps: Deps) => Pick<Connector, "oauth"> | null;

/**
 * Handles a `connect` callback arriving at `/auth/:tracker/callback` (when the
 * tracker app has a single redirect URI). The state is already consumed and
 * checked against the caller's session; exchange `code` with `record.codeVerifier`.
 */
export type ConnectCallback = (c: Context<AppEnv>, p: { tracker: Tracker; code: string; redirectUri: string; record: ConsumedOAuthState }) => Promise<Response>;

export interface AuthRoutesOptions {
  getConnector: ConnectorLookup;
  /** Optional: serve connect flows on the same callback URL as sign-in. Without it, a connect state here is refused. */
  onConnect?: ConnectCallback;
  /** Limit on starting sign-in, callbacks and invite use. Default 20/min per client IP (binding RL_SIGNIN when present); false disables. */
  signinRateLimit?: Omit<RateLimitOptions, "name"> | false;
}

export const TRACKER_LABELS: Record<Tracker, string> = { github: "GitHub", linear: "Linear", jira: "Atlassian" };

/** Binds a sign-in that starts without a session to this browser (login-CSRF defence). */
const bindCookieName = (c: Context<AppEnv>) => (isHttps(c) ? "__Host-ba_oauth" : "ba_oauth");

export function redirectUri(env: Env, tracker: Tracker): string {
  return `${getConfig(env).PUBLIC_BASE_URL.replace(/\/+$/, "")}/auth/${tracker}/callback`;
}

function parseTracker(v: string | undefined): Tracker {
  const r = TrackerSchema.safeParse(v);
  if (!r.success) throw new AppError("not_found", "Unknown tracker");
  return r.data;
}

const InviteSecret = z.string().regex(/^bai_[A-Za-z0-9_-]{32,64}$/);

/**
 * @example
 * app.route("/", createAuthRoutes({ getConnector: (t, env, deps) => connectorFor(t, env, deps) }));
 */
export function createAuthRoutes(opts: AuthRoutesOptions) {
  const limiter =
    opts.signinRateLimit === false
      ? null
      : rateLimit({
          name: "signin",
          binding: "RL_SIGNIN",
          limit: 20,
          periodSeconds: 60,
          key: (c) => `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`,
          ...opts.signinRateLimit,
        });
  const limited = limiter ?? (async (_c: Context<AppEnv>, next: () => Promise<void>) => next());

  const connectorFor = (c: Context<AppEnv>, tracker: Tracker) => {
    const conn = opts.getConnector(tracker, c.env, c.get("deps"));
    if (!conn) throw new AppError("not_configured", `Sign-in with ${TRACKER_LABELS[tracker]} is not configured`);
    return conn;
  };

  return new Hono<AppEnv>()
    .get("/signin", (c) => {
      const next = safeRedirectPath(c.req.query("next"));
      const q = next ? `?next=${encodeURIComponent(next)}` : "";
      const session = c.get("session");
      return accountPage(c, {
        title: "Sign in",
        children: (
          <>
            <h1>Sign in</h1>
            {session && <p class="notice">You are signed in as {session.user.name ?? session.user.login}. Signing in again switches account.</p>}
            <p>Sign in with the account you use in your issue tracker. We only read who you are; the sign-in grants no access to your issues.</p>
            <div class="signin">
              {(["github", "linear", "jira"] as const).map((t) => (
                <a class="button" href={`/signin/${t}${q}`}>
                  Sign in with {TRACKER_LABELS[t]}
                </a>
              ))}
            </div>
          </>
        ),
      });
    })
    .get("/signin/:tracker", limited, async (c) => {
      const tracker = parseTracker(c.req.param("tracker"));
      const conn = connectorFor(c, tracker);
      const config = getConfig(c.env);
      const nonce = randomSecret(24);
      const { state, codeChallenge } = await createOAuthState(c.env.DB, {
        sessionId: `pre:${await sha256Hex(nonce)}`,
        tracker,
        purpose: "signin",
        redirectTo: c.req.query("next") ?? null,
        keys: config.TOKEN_ENCRYPTION_KEYS,
        now: nowMs(c),
      });
      setCookie(c, bindCookieName(c), nonce, { httpOnly: true, secure: isHttps(c), sameSite: "Lax", path: "/", maxAge: 600 });
      c.header("cache-control", "no-store");
      return c.redirect(conn.oauth.authorizeUrl({ state, codeChallenge, redirectUri: redirectUri(c.env, tracker) }), 302);
    })
    .get("/auth/:tracker/callback", limited, async (c) => {
      const tracker = parseTracker(c.req.param("tracker"));
      const conn = connectorFor(c, tracker);
      const config = getConfig(c.env);
      const bind = getCookie(c, bindCookieName(c));
      deleteCookie(c, bindCookieName(c), { path: "/", secure: isHttps(c), httpOnly: true, sameSite: "Lax" });
      const bindings = [bind ? `pre:${await sha256Hex(bind)}` : null, c.get("session")?.id ?? null].filter((b): b is string => b !== null);
      const rec = await consumeOAuthState(c.env.DB, c.req.query("state"), bindings, tracker, { keys: config.TOKEN_ENCRYPTION_KEYS, now: nowMs(c) });
      const denied = c.req.query("error");
      if (denied) throw new AppError("unauthorized", `${TRACKER_LABELS[tracker]} did not authorize this (${denied.slice(0, 100)})`);
      const code = c.req.query("code");
      if (!code) throw new AppError("bad_request", "The callback has no code");
      if (rec.purpose === "connect") {
        if (!opts.onConnect) throw new AppError("oauth_state_invalid", "This authorization was not started as a sign-in", { reason: "wrong_purpose" });
        return opts.onConnect(c, { tracker, code, redirectUri: redirectUri(c.env, tracker), record: rec });
      }
      if (!rec.sessionId?.startsWith("pre:"))
        throw new AppError("oauth_state_invalid", "This sign-in is not bound to this browser", { reason: "mismatched_session" });
      const tokens = await conn.oauth.exchangeCode({ code, redirectUri: redirectUri(c.env, tracker), codeVerifier: rec.codeVerifier });
      const { account } = await conn.oauth.discover({ accessToken: tokens.accessToken });
      // The tokens go out of scope here: sign-in never stores them.
      const now = nowMs(c);
      const userId = await upsertUser(c.env.DB, { tracker, externalId: account.id, login: account.name, name: account.name, now });
      const old = c.get("session");
      if (old) await deleteSession(c.env.DB, old.id);
      await startSession(c, userId);
      let workspaces = await listWorkspacesForUser(c.env.DB, userId);
      if (workspaces.length === 0) {
        await ensureRoomForNewTenant(c.env);
        const ws = await createWorkspace(c.env.DB, { name: `${account.name}'s workspace`, now: new Date(now) });
        await addMember(c.env.DB, ws.id, userId, "admin", new Date(now));
        workspaces = [{ ...ws, role: "admin" }];
      }
      return c.redirect(rec.redirectTo ?? `/w/${workspaces[0]!.id}`, 302);
    })
    .post("/signout", async (c) => {
      await endSession(c);
      return c.redirect("/", 303);
    })
    .get("/api/v1/me", requireUser(), async (c) => {
      const token = c.get("apiToken");
      if (token) return c.json({ token: { id: token.id, name: token.name, workspaceId: token.workspaceId, scope: token.scope } });
      const s = c.get("session")!;
      const workspaces = await listWorkspacesForUser(c.env.DB, s.userId);
      c.header("cache-control", "no-store");
      return c.json({
        user: { id: s.user.id, tracker: s.user.tracker, login: s.user.login, name: s.user.name },
        csrfToken: s.csrfToken,
        sessionExpiresAt: s.expiresAt,
        workspaces: workspaces.map((w) => ({ id: w.id, name: w.name, role: w.role })),
      });
    })
    .get("/invite/:secret", async (c) => {
      const secret = InviteSecret.safeParse(c.req.param("secret"));
      const session = c.get("session");
      if (!session) return unauthenticated(c);
      const inv = secret.success ? await findInvite(c.env.DB, await sha256Hex(secret.data), nowMs(c)) : { status: "unknown" as const };
      if (inv.status !== "valid") {
        const msg = { used: "This invite link was already used.", expired: "This invite link has expired.", unknown: "This invite link is not valid." }[
          inv.status
        ];
        return accountPage(c, {
          title: "Invite",
          status: inv.status === "unknown" ? 404 : 410,
          children: (
            <>
              <h1>Invite</h1>
              <p class="notice error">{msg} Ask an admin of the workspace for a new one.</p>
            </>
          ),
        });
      }
      return accountPage(c, {
        title: "Join workspace",
        children: (
          <>
            <h1>Join {inv.workspaceName}</h1>
            <p>
              You were invited to <strong>{inv.workspaceName}</strong> as {inv.role === "admin" ? "an admin" : "a member"}.
            </p>
            <form method="post" action={`/invite/${secret.success ? secret.data : ""}`}>
              <CsrfField token={session.csrfToken} />
              <button type="submit">Join workspace</button>
            </form>
          </>
        ),
      });
    })
    .post("/invite/:secret", limited, requireUser(), async (c) => {
      const session = c.get("session");
      if (!session) throw new AppError("unauthorized", "Sign in to accept an invite");
      const secret = InviteSecret.safeParse(c.req.param("secret"));
      const now = nowMs(c);
      const id = secret.success ? await sha256Hex(secret.data) : null;
      const claimed = id ? await claimInvite(c.env.DB, id, now) : null;
      if (!claimed) {
        const why = id ? (await findInvite(c.env.DB, id, now)).status : "unknown";
        throw new AppError(
          "not_found",
          why === "used" ? "This invite link was already used" : why === "expired" ? "This invite link has expired" : "This invite link is not valid",
        );
      }
      await joinWorkspace(c.env.DB, claimed.workspaceId, session.userId, claimed.role, now);
      return c.redirect(`/w/${claimed.workspaceId}`, 303);
    });
}
