/**
 * Connecting and disconnecting a tracker, behind the routes in src/routes/connect.tsx:
 * completing the OAuth grant (code exchange, discovery, one connection per site, encrypted
 * tokens), picking the sync scopes (only those the grant reaches; Jira's dynamic webhooks are
 * registered then) and disconnecting (revoke where the tracker allows it, delete the tokens).
 */
import type { Connector, SyncScope } from "../../connectors/types";
import type { Tracker } from "../../domain/types";
import { createConnection, disconnectConnection, setSyncScopes, updateTokens, type Connection } from "../db/connections";
import { saveWebhookRegistrations } from "../db/webhook-registrations";
import type { Deps } from "../deps";
import type { Config, QueueJob } from "../env";
import type { Logger } from "../log";
import { decryptSecret } from "../security/crypto";
import { authFor, connectorFor, encryptTokens, usesGithubApp } from "./connectors";

/** What a connect or disconnect needs from the app: D1, the configuration, fetch and clock, a logger. */
export interface ConnectContext {
  db: D1Database;
  config: Config;
  deps: Deps;
  log: Logger;
}

export const connectRedirectUri = (publicBase: string, tracker: Tracker) => `${publicBase.replace(/\/$/, "")}/oauth/${tracker}/callback`;

/** Jira's dynamic webhooks live 30 days; the cron refreshes them before that. */
export const JIRA_WEBHOOK_TTL_MS = 30 * 86_400_000;

/**
 * Completes a grant: exchanges the code, discovers the account and its sites, and stores one
 * connection per site (Jira cloud site, GitHub installation; Linear has one workspace per grant)
 * with its tokens encrypted. Returns the new connection ids, first one first.
 */
export async function completeConnect(c: ConnectContext, p: { workspaceId: string; tracker: Tracker; code: string; codeVerifier: string }): Promise<string[]> {
  const connector = connectorFor(p.tracker, c.config, c.deps);
  const tokens = await connector.oauth.exchangeCode({
    code: p.code,
    redirectUri: connectRedirectUri(c.config.PUBLIC_BASE_URL, p.tracker),
    codeVerifier: p.codeVerifier,
  });
  const discovery = await connector.oauth.discover({ accessToken: tokens.accessToken });
  const sites = p.tracker === "linear" || discovery.sites.length === 0 ? [null] : discovery.sites;
  const created: string[] = [];
  for (const site of sites) {
    const conn = await createConnection(c.db, {
      workspaceId: p.workspaceId,
      tracker: p.tracker,
      accountId: discovery.account.id,
      accountName: site ? `${discovery.account.name} · ${site.name}` : discovery.account.name,
      siteId: site?.id ?? tokens.installationId ?? null,
      siteUrl: site?.url ?? discovery.account.url ?? null,
      grantedScopes: tokens.scopes,
      accessTokenEnc: null,
      refreshTokenEnc: null,
      tokenExpiresAt: null,
      status: "active",
      now: new Date(c.deps.now()),
    });
    // With the GitHub App configured, the connection works with installation tokens (see usesGithubApp).
    const stored = usesGithubApp(c.config, conn) ? await connector.oauth.refresh({ ...tokens, refreshToken: null, installationId: conn.siteId! }) : tokens;
    await updateTokens(c.db, conn.id, await encryptTokens(c.config, conn, stored), new Date(c.deps.now()));
    created.push(conn.id);
  }
  return created;
}

/** The scopes (repositories, teams, projects) the connection's grant reaches, on its own site. */
export async function reachableScopes(c: ConnectContext, conn: Connection): Promise<SyncScope[]> {
  const connector = connectorFor(conn.tracker, c.config, c.deps);
  const discovery = await connector.oauth.discover(await authFor(c.db, c.config, c.deps, conn, connector));
  return discovery.scopes.filter((s) => !conn.siteId || !s.siteId || s.siteId === conn.siteId);
}

/**
 * Stores the picked scopes (only those the grant really reaches), registers the tracker's
 * webhooks where it needs them (Jira), and enqueues the first sync. Returns the stored scopes;
 * none reachable → `[]` and nothing is changed.
 */
export async function chooseSyncScopes(c: ConnectContext & { queue: Queue<QueueJob> }, conn: Connection, picked: ReadonlySet<string>): Promise<SyncScope[]> {
  const connector = connectorFor(conn.tracker, c.config, c.deps);
  const auth = await authFor(c.db, c.config, c.deps, conn, connector);
  const discovery = await connector.oauth.discover(auth);
  const scopes = discovery.scopes.filter((s) => picked.has(s.id) && (!conn.siteId || !s.siteId || s.siteId === conn.siteId));
  if (scopes.length === 0) return [];
  await setSyncScopes(c.db, conn.workspaceId, conn.id, scopes, new Date(c.deps.now()));
  await registerWebhooks(c, conn, connector, auth, scopes);
  await c.queue.send({ type: "sync-start", connectionId: conn.id, reason: "connect" });
  return scopes;
}

/** Jira's dynamic webhooks for the picked projects (other trackers' webhooks are set up in the tracker's app). */
async function registerWebhooks(
  c: ConnectContext,
  conn: Connection,
  connector: Connector,
  auth: Awaited<ReturnType<typeof authFor>>,
  scopes: SyncScope[],
): Promise<void> {
  const registration = connector.webhookRegistration;
  if (!registration || !conn.siteId) return;
  const r = await registration
    .register(
      { ...auth, siteId: conn.siteId },
      conn.siteId,
      `${c.config.PUBLIC_BASE_URL}/webhooks/jira`,
      scopes.map((s) => s.id),
    )
    .catch((e: Error) => ({ ids: [], errors: [e.message] }));
  if (r.errors.length) c.log.warn("jira webhook registration", { errors: r.errors.slice(0, 3) });
  const expiresAt = new Date(c.deps.now() + JIRA_WEBHOOK_TTL_MS).toISOString();
  await saveWebhookRegistrations(c.db, { workspaceId: conn.workspaceId, connectionId: conn.id, ids: r.ids, expiresAt, now: new Date(c.deps.now()) });
}

/** Revokes the grant where the tracker allows it (a failure is logged, never blocks), then deletes the tokens. */
export async function disconnect(c: ConnectContext, conn: Connection): Promise<void> {
  const connector = connectorFor(conn.tracker, c.config, c.deps);
  if (connector.oauth.revoke && conn.accessTokenEnc) {
    const ctx = (f: string) => `${conn.workspaceId}/${conn.id}/${f}`;
    const accessToken = await decryptSecret(c.config.TOKEN_ENCRYPTION_KEYS, conn.accessTokenEnc, ctx("access")).catch(() => null);
    const refreshToken = conn.refreshTokenEnc
      ? await decryptSecret(c.config.TOKEN_ENCRYPTION_KEYS, conn.refreshTokenEnc, ctx("refresh")).catch(() => null)
      : null;
    if (accessToken)
      await connector.oauth
        .revoke({ accessToken, refreshToken, expiresAt: conn.tokenExpiresAt, scopes: conn.grantedScopes })
        .catch((e: Error) => c.log.warn("revoke failed", { error: e.message }));
  }
  await disconnectConnection(c.db, conn.workspaceId, conn.id, new Date(c.deps.now()));
}
