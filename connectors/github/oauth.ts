/**
 * GitHub authorization, both ways GitHub offers it:
 * - GitHub App (primary): app JWT → installation token (1 h), discovery via
 *   `GET /installation/repositories`; "refreshing" mints a new installation token;
 * - OAuth / user-to-server tokens: authorize with state + PKCE S256, code
 *   exchange and rotating refresh at `{oauthBase}/login/oauth/access_token`
 *   (which answers 200 with an `error` field on failure), discovery via
 *   `GET /user`, `/user/installations`, `/user/repos`.
 *
 * @example
 * const url = oauth.authorizeUrl({ state, redirectUri, codeChallenge });
 * const tokens = await oauth.exchangeCode({ code, redirectUri, codeVerifier });
 */
import { ConnectorError } from "../errors";
import { parseOrThrow, type HttpClient } from "../http";
import type { Auth, ConnectorConfig, Discovery, OAuthEndpoints, SyncScope, TokenSet } from "../types";
import { createAppJwt, importAppPrivateKey } from "./app-jwt";
import type { GithubClient } from "./client";
import { OAuthErrorSchema, OAuthTokenSchema } from "./schema";

export interface GithubApp {
  /** A fresh installation token (valid 1 h) for `installationId`. */
  installationToken(installationId: string): Promise<TokenSet>;
  /** The app JWT itself (for app-level endpoints). */
  jwt(): Promise<string>;
}

export function createGithubApp(config: ConnectorConfig, client: GithubClient): GithubApp {
  const appId = config.options?.appId;
  const pem = config.options?.privateKey;
  let key: Promise<CryptoKey> | null = null;
  const now = config.now ?? Date.now;
  const jwt = async () => {
    if (!appId || !pem) throw new ConnectorError("auth", "GitHub App is not configured: set options.appId and options.privateKey", { tracker: "github" });
    key ??= importAppPrivateKey(pem);
    return createAppJwt({ appId, key: await key, now: now() });
  };
  return {
    jwt,
    async installationToken(installationId) {
      const t = await client.createInstallationToken(await jwt(), installationId);
      return { accessToken: t.token, refreshToken: null, expiresAt: t.expires_at, scopes: Object.keys(t.permissions ?? {}), installationId };
    },
  };
}

/** Installation tokens are `ghs_…`; user tokens `gho_`/`ghu_`; classic PATs `ghp_`. */
const isInstallationToken = (token: string) => token.startsWith("ghs_");

export function createGithubOAuth(config: ConnectorConfig, http: HttpClient, client: GithubClient, app: GithubApp): OAuthEndpoints {
  const now = config.now ?? Date.now;
  const tokenUrl = `${config.oauthBase.replace(/\/$/, "")}/login/oauth/access_token`;

  async function tokenRequest(body: Record<string, string | undefined>, previous?: TokenSet): Promise<TokenSet> {
    const res = await http.json({
      method: "POST",
      url: tokenUrl,
      headers: { accept: "application/json" },
      body: { client_id: config.clientId, client_secret: config.clientSecret, ...body },
    });
    // GitHub answers 200 with an `error` field when the code or refresh token is bad.
    const failed = OAuthErrorSchema.safeParse(res.data);
    if (failed.success) {
      const { error, error_description } = failed.data;
      throw new ConnectorError("auth", `GitHub refused the grant: ${error}${error_description ? ` (${error_description})` : ""}`, {
        tracker: "github",
        reason: error,
      });
    }
    const data = parseOrThrow(OAuthTokenSchema, res.data, "github", "token response");
    return {
      accessToken: data.access_token,
      refreshToken: data.refresh_token ?? null,
      expiresAt: data.expires_in ? new Date(now() + data.expires_in * 1000).toISOString() : null,
      scopes: data.scope.split(/[ ,]+/).filter(Boolean),
      installationId: previous?.installationId,
    };
  }

  return {
    authorizeUrl({ state, redirectUri, codeChallenge, scopes }) {
      const u = new URL(`${config.oauthBase.replace(/\/$/, "")}/login/oauth/authorize`);
      u.searchParams.set("client_id", config.clientId);
      u.searchParams.set("redirect_uri", redirectUri);
      u.searchParams.set("scope", (scopes ?? [config.options?.scope ?? "repo"]).join(" "));
      u.searchParams.set("state", state);
      if (codeChallenge) {
        u.searchParams.set("code_challenge", codeChallenge);
        u.searchParams.set("code_challenge_method", "S256");
      }
      return u.toString();
    },

    exchangeCode({ code, redirectUri, codeVerifier }) {
      return tokenRequest({ code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    },

    async refresh(token) {
      if (!token.refreshToken) {
        if (token.installationId) return app.installationToken(token.installationId);
        throw new ConnectorError("auth", "this GitHub token cannot be refreshed; reconnect", { tracker: "github" });
      }
      return tokenRequest({ grant_type: "refresh_token", refresh_token: token.refreshToken }, token);
    },

    async revoke(token) {
      if (isInstallationToken(token.accessToken)) return;
      await client.revokeGrant(config.clientId, config.clientSecret, token.accessToken);
    },

    async discover(auth: Auth): Promise<Discovery> {
      if (isInstallationToken(auth.accessToken)) {
        const repos = await client.installationRepositories(auth.accessToken);
        const owner = repos[0]?.owner;
        return {
          account: owner ? { id: String(owner.id), name: owner.login, url: owner.html_url } : { id: "unknown", name: "installation" },
          sites: [],
          scopes: repos.map((r): SyncScope => ({ kind: "repo", id: r.full_name, name: r.full_name })),
        };
      }
      const user = await client.user(auth.accessToken);
      const installations = await client.userInstallations(auth.accessToken).catch((e: unknown) => {
        // OAuth App tokens cannot list GitHub App installations (403): that is not a failure of discovery.
        if (e instanceof ConnectorError && (e.code === "forbidden" || e.code === "not-found")) return [];
        throw e;
      });
      const repos = await client.userRepos(auth.accessToken);
      return {
        account: { id: String(user.id), name: user.login, url: user.html_url },
        sites: installations.map((i) => ({ id: String(i.id), name: i.account?.login ?? String(i.id), url: i.account?.html_url })),
        scopes: repos.map((r): SyncScope => ({ kind: "repo", id: r.full_name, name: r.full_name })),
      };
    },
  };
}
