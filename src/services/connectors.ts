/**
 * Builds a tracker's connector from the validated configuration and the
 * injected dependencies (fetch, clock), and keeps a connection's tokens fresh:
 * decrypt, refresh before expiry (storing the rotated refresh token, encrypted),
 * and stop cleanly when the grant is revoked.
 */
import { connectorFactories } from "../../connectors";
import { ConnectorError, isConnectorError } from "../../connectors/errors";
import type { Auth, Connector, TokenSet } from "../../connectors/types";
import type { Tracker } from "../../domain/types";
import { transitionConnectionStatus, updateTokens, type Connection } from "../db/connections";
import type { Deps } from "../deps";
import type { Config } from "../env";
import { decryptSecret, encryptSecret } from "../security/crypto";

export function connectorFor(tracker: Tracker, config: Config, deps: Deps): Connector {
  const base = { fetch: deps.fetch, now: deps.now, timeoutMs: 15_000 };
  switch (tracker) {
    case "github":
      return connectorFactories.github({
        ...base,
        apiBase: config.GITHUB_API_BASE,
        oauthBase: config.GITHUB_OAUTH_BASE,
        clientId: config.GITHUB_CLIENT_ID,
        clientSecret: config.GITHUB_CLIENT_SECRET,
        webhookSecret: config.GITHUB_WEBHOOK_SECRET,
        options: { appId: config.GITHUB_APP_ID, privateKey: config.GITHUB_APP_PRIVATE_KEY || undefined, appSlug: config.GITHUB_APP_SLUG },
      });
    case "linear":
      return connectorFactories.linear({
        ...base,
        apiBase: config.LINEAR_API_BASE,
        oauthBase: config.LINEAR_OAUTH_BASE,
        clientId: config.LINEAR_CLIENT_ID,
        clientSecret: config.LINEAR_CLIENT_SECRET,
        webhookSecret: config.LINEAR_WEBHOOK_SECRET,
        options: { actor: "app", labelScope: "team", appUrl: config.PUBLIC_BASE_URL },
      });
    case "jira":
      return connectorFactories.jira({
        ...base,
        apiBase: config.JIRA_API_BASE,
        oauthBase: config.JIRA_OAUTH_BASE,
        clientId: config.JIRA_CLIENT_ID,
        clientSecret: config.JIRA_CLIENT_SECRET,
        options: { appUrl: config.PUBLIC_BASE_URL },
      });
  }
}

/** The additional data a token ciphertext is bound to: it decrypts only in its own row. */
const tokenContext = (c: Pick<Connection, "id" | "workspaceId">, field: "access" | "refresh") => `${c.workspaceId}/${c.id}/${field}`;

export async function encryptTokens(config: Config, c: Pick<Connection, "id" | "workspaceId">, t: TokenSet) {
  return {
    accessTokenEnc: await encryptSecret(config.TOKEN_ENCRYPTION_KEYS, t.accessToken, tokenContext(c, "access")),
    refreshTokenEnc: t.refreshToken ? await encryptSecret(config.TOKEN_ENCRYPTION_KEYS, t.refreshToken, tokenContext(c, "refresh")) : null,
    tokenExpiresAt: t.expiresAt,
  };
}

/** Refresh when the token expires within this window. */
const REFRESH_WINDOW_MS = 5 * 60_000;

/**
 * A usable `Auth` for a connection, refreshing (and persisting the rotated
 * tokens) when needed. A refused refresh marks the connection revoked and
 * throws `ConnectorError("auth")`: the pipeline stops, with no retry loop.
 */
export async function authFor(db: D1Database, config: Config, deps: Deps, connection: Connection, connector: Connector): Promise<Auth> {
  if (connection.status === "revoked" || connection.status === "disconnected" || !connection.accessTokenEnc) {
    throw new ConnectorError("auth", `the ${connection.tracker} connection is ${connection.status}; reconnect it`, { tracker: connection.tracker });
  }
  const accessToken = await decryptSecret(config.TOKEN_ENCRYPTION_KEYS, connection.accessTokenEnc, tokenContext(connection, "access"));
  const expiresAt = connection.tokenExpiresAt ? Date.parse(connection.tokenExpiresAt) : null;
  const siteId = connection.tracker === "jira" ? (connection.siteId ?? undefined) : undefined;
  if (expiresAt === null || expiresAt - deps.now() > REFRESH_WINDOW_MS) return { accessToken, siteId };
  const installationId = usesGithubApp(config, connection) ? connection.siteId! : undefined;
  if (!connection.refreshTokenEnc && !installationId) return { accessToken, siteId };
  const refreshToken = connection.refreshTokenEnc
    ? await decryptSecret(config.TOKEN_ENCRYPTION_KEYS, connection.refreshTokenEnc, tokenContext(connection, "refresh"))
    : null;
  try {
    // A GitHub App connection holds a 1-hour installation token: the connector mints a new one with the app JWT.
    const next = await connector.oauth.refresh({
      accessToken,
      refreshToken,
      expiresAt: connection.tokenExpiresAt,
      scopes: connection.grantedScopes,
      installationId,
    });
    const enc = await encryptTokens(config, connection, { ...next, refreshToken: next.refreshToken ?? refreshToken ?? null });
    await updateTokens(db, connection.id, enc, new Date(deps.now()));
    connection.accessTokenEnc = enc.accessTokenEnc;
    connection.refreshTokenEnc = enc.refreshTokenEnc;
    connection.tokenExpiresAt = enc.tokenExpiresAt;
    return { accessToken: next.accessToken, siteId };
  } catch (e) {
    if (isConnectorError(e) && (e.code === "auth" || e.code === "invalid-response")) {
      await transitionConnectionStatus(
        db,
        connection.id,
        "revoked",
        "The tracker refused to refresh the token: the grant was revoked or expired. Reconnect to resume.",
        new Date(deps.now()),
      );
      throw new ConnectorError("auth", "token refresh refused", { tracker: connection.tracker });
    }
    throw e;
  }
}

/**
 * GitHub App is the primary GitHub path: when the app's key is configured and
 * the connection is tied to an installation, the service works with 1-hour
 * installation tokens minted from the app JWT (the user's token is only used to
 * discover the installations).
 */
export function usesGithubApp(config: Config, connection: Pick<Connection, "tracker" | "siteId">): boolean {
  return connection.tracker === "github" && !!connection.siteId && !!config.GITHUB_APP_ID && !!config.GITHUB_APP_PRIVATE_KEY;
}

/** Called when any tracker call answers `auth`: stop the connection cleanly. */
export async function markRevoked(db: D1Database, connection: Connection, now: Date): Promise<void> {
  await transitionConnectionStatus(db, connection.id, "revoked", "The tracker rejected the token (revoked or uninstalled). Reconnect to resume syncing.", now);
}
