/**
 * Linear OAuth 2.0: authorize at `{oauthBase}/oauth/authorize` with
 * comma-separated scopes and PKCE S256; exchange, refresh and revoke at
 * `{apiBase}/oauth/{token,revoke}` (form-encoded). Refresh tokens are
 * mandatory since 2026-04 and rotate: `refresh` returns the new one, the old
 * one is refused afterwards.
 */
import { ConnectorError } from "../errors";
import type { HttpClient } from "../http";
import type { Auth, ConnectorConfig, Discovery, OAuthEndpoints, TokenSet } from "../types";
import type { LinearGraphql } from "./client";
import { DISCOVERY } from "./queries";
import { DiscoverySchema, TokenResponseSchema } from "./schema";

/** Scopes we ask for: read issues, write labels, write one comment. `admin` only to create webhooks through the API. */
export const DEFAULT_SCOPES = ["read", "write", "comments:create"];

function form(p: Record<string, string | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined) u.set(k, v);
  return u.toString();
}

export function createLinearOAuth(config: ConnectorConfig, http: HttpClient, gql: LinearGraphql): OAuthEndpoints {
  const now = config.now ?? Date.now;
  const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

  async function token(body: Record<string, string | undefined>, what: string, previous?: TokenSet): Promise<TokenSet> {
    let text: string;
    try {
      text = (await http.request({ method: "POST", url: `${config.apiBase}/oauth/token`, headers: formHeaders, body: form(body) })).text;
    } catch (e) {
      // invalid_grant / invalid_client come back as 400/401: the grant is gone.
      if (e instanceof ConnectorError && (e.details.status === 400 || e.details.status === 401))
        throw new ConnectorError("auth", `linear ${what} refused: ${e.message}`, { ...e.details, reason: "invalid_grant" });
      throw e;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ConnectorError("invalid-response", `linear ${what}: body is not JSON`, { tracker: "linear" });
    }
    const r = TokenResponseSchema.safeParse(raw);
    if (!r.success) throw new ConnectorError("invalid-response", `linear ${what}: unexpected token answer`, { tracker: "linear" });
    const t = r.data;
    const scopes = Array.isArray(t.scope) ? t.scope : (t.scope ?? "").split(/[ ,]+/).filter(Boolean);
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? previous?.refreshToken ?? null,
      expiresAt: t.expires_in ? new Date(now() + t.expires_in * 1000).toISOString() : null,
      scopes: scopes.length ? scopes : (previous?.scopes ?? []),
    };
  }

  return {
    authorizeUrl({ state, redirectUri, codeChallenge, scopes }) {
      const u = new URL(`${config.oauthBase}/oauth/authorize`);
      u.searchParams.set("client_id", config.clientId);
      u.searchParams.set("redirect_uri", redirectUri);
      u.searchParams.set("response_type", "code");
      u.searchParams.set("scope", (scopes ?? DEFAULT_SCOPES).join(","));
      u.searchParams.set("state", state);
      u.searchParams.set("prompt", "consent");
      const actor = config.options?.actor;
      if (actor === "app" || actor === "user") u.searchParams.set("actor", actor);
      if (codeChallenge) {
        u.searchParams.set("code_challenge", codeChallenge);
        u.searchParams.set("code_challenge_method", "S256");
      }
      return u.toString();
    },

    exchangeCode({ code, redirectUri, codeVerifier }) {
      return token(
        {
          grant_type: "authorization_code",
          code,
          redirect_uri: redirectUri,
          client_id: config.clientId,
          client_secret: config.clientSecret,
          code_verifier: codeVerifier,
        },
        "code exchange",
      );
    },

    refresh(t) {
      if (!t.refreshToken) return Promise.reject(new ConnectorError("auth", "linear token has no refresh token", { tracker: "linear" }));
      return token(
        { grant_type: "refresh_token", refresh_token: t.refreshToken, client_id: config.clientId, client_secret: config.clientSecret },
        "token refresh",
        t,
      );
    },

    async revoke(t) {
      await http.request({
        method: "POST",
        url: `${config.apiBase}/oauth/revoke`,
        headers: { ...formHeaders, authorization: `Bearer ${t.accessToken}` },
        body: form({ token: t.accessToken, token_type_hint: "access_token" }),
      });
    },

    async discover(auth: Auth): Promise<Discovery> {
      const d = await gql.query(auth, DISCOVERY, {}, DiscoverySchema, "discovery");
      const url = `https://linear.app/${d.organization.urlKey}`;
      return {
        account: { id: d.viewer.id, name: d.viewer.name },
        sites: [{ id: d.organization.id, name: d.organization.name, url }],
        scopes: d.teams.nodes.map((t) => ({ kind: "team" as const, id: t.id, name: `${t.name} (${t.key})` })),
      };
    },
  };
}
