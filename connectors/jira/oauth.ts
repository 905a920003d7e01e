/**
 * Atlassian OAuth 2.0 (3LO): authorize at `{oauthBase}/authorize`, exchange
 * and refresh at `{oauthBase}/oauth/token` (JSON bodies). Access tokens last
 * 1 h; refresh tokens rotate on every use (the old one is refused after).
 * Discovery: `accessible-resources` gives the sites (cloudId = `id`), then
 * each site's projects become sync scopes.
 *
 * @example
 * const url = oauth.authorizeUrl({ state, redirectUri });
 * const tokens = await oauth.exchangeCode({ code, redirectUri });
 * const { sites, scopes } = await oauth.discover({ accessToken: tokens.accessToken });
 */
import { ConnectorError, isConnectorError } from "../errors";
import { parseOrThrow, type HttpClient } from "../http";
import type { Auth, ConnectorConfig, Discovery, OAuthEndpoints, SyncScope, TokenSet } from "../types";
import type { JiraClient } from "./client";
import { TokenResponseSchema } from "./schema";

export const JIRA_SCOPES = ["read:jira-work", "write:jira-work", "read:jira-user", "manage:jira-webhook", "offline_access"];

export function createJiraOAuth(config: ConnectorConfig, http: HttpClient, client: JiraClient): OAuthEndpoints {
  const now = config.now ?? Date.now;
  /** `previous`: on refresh, what an answer leaves out is kept (Atlassian documents rotation, not that every answer carries a new refresh token or the scopes). */
  const token = async (body: Record<string, string>, previous?: TokenSet): Promise<TokenSet> => {
    let data: unknown;
    try {
      ({ data } = await http.json({ method: "POST", url: `${config.oauthBase}/oauth/token`, body }));
    } catch (e) {
      // Atlassian answers a refused code or refresh token with 401/403 `invalid_grant`: the grant is gone.
      if (isConnectorError(e) && [400, 401, 403].includes(e.details.status ?? 0)) {
        throw new ConnectorError("auth", `Atlassian refused the ${body.grant_type} grant (${e.details.status})`, { tracker: "jira", status: e.details.status });
      }
      throw e;
    }
    const t = parseOrThrow(TokenResponseSchema, data, "jira", "token response");
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? previous?.refreshToken ?? null,
      expiresAt: new Date(now() + t.expires_in * 1000).toISOString(),
      scopes: t.scope ? t.scope.split(" ").filter(Boolean) : (previous?.scopes ?? []),
    };
  };

  return {
    authorizeUrl({ state, redirectUri, scopes }) {
      const q = new URLSearchParams({
        audience: "api.atlassian.com",
        client_id: config.clientId,
        scope: (scopes ?? JIRA_SCOPES).join(" "),
        redirect_uri: redirectUri,
        state,
        response_type: "code",
        prompt: "consent",
      });
      return `${config.oauthBase}/authorize?${q.toString().replace(/\+/g, "%20")}`;
    },
    exchangeCode({ code, redirectUri }) {
      return token({ grant_type: "authorization_code", client_id: config.clientId, client_secret: config.clientSecret, code, redirect_uri: redirectUri });
    },
    refresh(t) {
      if (!t.refreshToken) throw new ConnectorError("auth", "no Jira refresh token (was offline_access granted?)", { tracker: "jira" });
      return token({ grant_type: "refresh_token", client_id: config.clientId, client_secret: config.clientSecret, refresh_token: t.refreshToken }, t);
    },
    async discover(auth: Auth): Promise<Discovery> {
      const sites = await client.accessibleResources(auth);
      const jiraSites = sites.filter((s) => s.scopes.length === 0 || s.scopes.some((x) => x.includes("jira")));
      // The account comes from the first site's /myself (read:jira-user); api.atlassian.com/me would need read:me.
      const first = jiraSites[0];
      const me = first ? await client.myself({ ...auth, siteId: first.id }) : null;
      const scopes: SyncScope[] = [];
      for (const s of jiraSites) {
        const siteAuth = { ...auth, siteId: s.id };
        for (let startAt = 0; ; ) {
          const page = await client.projectSearch(siteAuth, startAt);
          for (const p of page.values) scopes.push({ kind: "project", id: p.key, name: p.name, siteId: s.id });
          startAt += page.values.length;
          if (page.isLast ?? (page.values.length === 0 || startAt >= (page.total ?? 0))) break;
        }
      }
      return {
        account: me ? { id: me.accountId, name: me.displayName ?? me.accountId } : { id: "unknown", name: "unknown" },
        sites: jiraSites.map((s) => ({ id: s.id, name: s.name, url: s.url })),
        scopes,
      };
    },
  };
}
