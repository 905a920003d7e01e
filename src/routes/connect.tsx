/** @jsxImportSource hono/jsx */
/**
 * Connecting a tracker, over HTTP: the OAuth authorize redirect (state bound to
 * the browser, PKCE), the callback, the scope picker (repos, teams or projects)
 * and disconnecting. The work (code exchange, discovery, encrypted token
 * storage, webhook registration, the first sync, revoking) is in
 * src/services/connect.ts.
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { consumeOAuthState, createOAuthState, requireWorkspace, resolveRole } from "../auth";
import { TrackerSchema, type Tracker } from "../../domain/types";
import { getConnection } from "../db/connections";
import { getWorkspace } from "../db/workspaces";
import { getConfig } from "../env";
import { AppError } from "../errors";
import { Layout } from "../report";
import { randomSecret, sha256Hex } from "../security/ids";
import { chooseSyncScopes, completeConnect, connectRedirectUri, disconnect, reachableScopes, type ConnectContext } from "../services/connect";
import { connectorFor } from "../services/connectors";

export const TRACKER_NAMES: Record<Tracker, string> = { github: "GitHub", linear: "Linear", jira: "Jira" };
const BIND_COOKIE = "ba_oauth_bind";

const parseTracker = (v: string | undefined): Tracker => {
  const r = TrackerSchema.safeParse(v);
  if (!r.success) throw new AppError("not_found", `Unknown tracker ${String(v).slice(0, 20)}`);
  return r.data;
};

export { connectRedirectUri };

const connectContext = (c: Context<AppEnv>): ConnectContext => ({ db: c.env.DB, config: getConfig(c.env), deps: c.get("deps"), log: c.get("log") });

/**
 * What the OAuth state is bound to: the signed-in session, or (local demo
 * without sign-in) a random value in a short-lived HttpOnly cookie, so a state
 * minted in one browser cannot be completed in another.
 */
async function stateBinding(c: Context<AppEnv>, create: boolean): Promise<string | null> {
  const session = c.get("session");
  if (session) return session.id;
  let bind = getCookie(c, BIND_COOKIE);
  if (!bind && create) {
    bind = randomSecret(24);
    const secure = getConfig(c.env).PUBLIC_BASE_URL.startsWith("https://");
    setCookie(c, BIND_COOKIE, bind, { httpOnly: true, secure, sameSite: "Lax", path: "/oauth", maxAge: 600 });
  }
  return bind ? `pre:${await sha256Hex(bind)}` : null;
}

const Page = (p: { c: Context<AppEnv>; title: string; children: unknown }) => (
  <Layout title={p.title} nonce={p.c.get("secureHeadersNonce")} nav={[{ href: "/", label: "Home" }]}>
    {p.children as never}
  </Layout>
);

export const connectRoutes = new Hono<AppEnv>()
  .get("/w/:workspaceId/connect/:tracker", requireWorkspace("admin"), async (c) => {
    const tracker = parseTracker(c.req.param("tracker"));
    const config = getConfig(c.env);
    const connector = connectorFor(tracker, config, c.get("deps"));
    const bound = await stateBinding(c, true);
    const st = await createOAuthState(c.env.DB, {
      sessionId: bound,
      workspaceId: c.get("workspace").id,
      tracker,
      purpose: "connect",
      keys: config.TOKEN_ENCRYPTION_KEYS,
      now: c.get("deps").now(),
    });
    return c.redirect(
      connector.oauth.authorizeUrl({ state: st.state, redirectUri: connectRedirectUri(config.PUBLIC_BASE_URL, tracker), codeChallenge: st.codeChallenge }),
      302,
    );
  })
  .get("/oauth/:tracker/callback", async (c) => {
    const tracker = parseTracker(c.req.param("tracker"));
    const config = getConfig(c.env);
    const deps = c.get("deps");
    if (c.req.query("error")) {
      return c.html(
        <Page c={c} title="Connection cancelled">
          <h1>{TRACKER_NAMES[tracker]} was not connected</h1>
          <p role="status">The tracker answered: {c.req.query("error_description") ?? c.req.query("error")}</p>
        </Page>,
        400,
      );
    }
    const rec = await consumeOAuthState(c.env.DB, c.req.query("state"), await stateBinding(c, false), tracker, {
      keys: config.TOKEN_ENCRYPTION_KEYS,
      now: deps.now(),
    });
    deleteCookie(c, BIND_COOKIE, { path: "/oauth" });
    if (rec.purpose !== "connect" || !rec.workspaceId)
      throw new AppError("oauth_state_invalid", "This authorization was not started from a workspace's Connect button");
    // The flow may have started minutes ago: the caller must still be an admin of that workspace
    // (checked before the code is exchanged, so a removed admin's grant is never used).
    const target = await getWorkspace(c.env.DB, rec.workspaceId);
    if (!target || (await resolveRole(c, target)) !== "admin") throw new AppError("not_found", "No such workspace");
    const code = c.req.query("code");
    if (!code || code.length > 512) throw new AppError("bad_request", "The tracker sent no authorization code");
    const created = await completeConnect(connectContext(c), { workspaceId: rec.workspaceId, tracker, code, codeVerifier: rec.codeVerifier });
    return c.redirect(`/w/${rec.workspaceId}/connections/${created[0]}/scopes`, 303);
  })
  .get("/w/:workspaceId/connections/:connectionId/scopes", requireWorkspace("admin"), async (c) => {
    const ws = c.get("workspace");
    const conn = await getConnection(c.env.DB, ws.id, c.req.param("connectionId"));
    if (!conn) throw new AppError("not_found", "No such connection in this workspace");
    const available = await reachableScopes(connectContext(c), conn);
    const chosen = new Set(conn.syncScopes.map((s) => s.id));
    const noun = conn.tracker === "github" ? "repositories" : conn.tracker === "linear" ? "teams" : "projects";
    const csrf = c.get("session")?.csrfToken;
    return c.html(
      <Page c={c} title={`Pick ${noun}`}>
        <h1>
          Connected {TRACKER_NAMES[conn.tracker]}: {conn.accountName}
        </h1>
        <form method="post" action={`/w/${ws.id}/connections/${conn.id}/scopes`} data-testid="scope-picker">
          {csrf ? <input type="hidden" name="_csrf" value={csrf} /> : null}
          <fieldset>
            <legend>Which {noun} should Backlog Auditor audit?</legend>
            {available.length === 0 ? <p>The grant reaches no {noun}.</p> : null}
            {available.map((s) => (
              <div>
                <label>
                  <input type="checkbox" name="scope" value={s.id} checked={chosen.size === 0 || chosen.has(s.id)} /> {s.name}
                </label>
              </div>
            ))}
          </fieldset>
          <p>
            <button type="submit">Start the first sync</button>
          </p>
        </form>
      </Page>,
    );
  })
  .post("/w/:workspaceId/connections/:connectionId/scopes", requireWorkspace("admin"), async (c) => {
    const ws = c.get("workspace");
    const conn = await getConnection(c.env.DB, ws.id, c.req.param("connectionId"));
    if (!conn) throw new AppError("not_found", "No such connection in this workspace");
    const form = await c.req.parseBody({ all: true });
    const picked = new Set(
      z
        .array(z.string().max(200))
        .max(500)
        .parse([form.scope ?? []].flat().filter((v) => typeof v === "string")),
    );
    // Only scopes the grant really reaches can be picked.
    const scopes = await chooseSyncScopes({ ...connectContext(c), queue: c.env.SYNC_QUEUE }, conn, picked);
    if (scopes.length === 0) throw new AppError("validation_failed", "Pick at least one scope the grant reaches");
    return c.redirect(`/w/${ws.id}/connections?done=syncing`, 303);
  })
  .post("/w/:workspaceId/connections/:connectionId/disconnect", requireWorkspace("admin"), async (c) => {
    const ws = c.get("workspace");
    const conn = await getConnection(c.env.DB, ws.id, c.req.param("connectionId"));
    if (!conn) throw new AppError("not_found", "No such connection in this workspace");
    await disconnect(connectContext(c), conn);
    return c.redirect(`/w/${ws.id}/connections?done=disconnected`, 303);
  });
