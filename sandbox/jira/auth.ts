/**
 * The sandbox's Atlassian OAuth 2.0 (3LO): an authorize page with an Approve
 * button, codes, 1-hour access tokens, refresh tokens that rotate on every use
 * (a used one is refused, as Atlassian does), and revocation. Also Jira Cloud's
 * basic auth: `Authorization: Basic base64(email:api_token)` for an API token
 * configured for that e-mail address (see {@link SandboxAuth.addApiToken}).
 */
import { Hono } from "hono";

export interface TokenInfo {
  grant: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

export class SandboxAuth {
  readonly access = new Map<string, TokenInfo>();
  private refresh = new Map<string, { grant: string; scopes: string[]; used: boolean }>();
  private codes = new Map<string, { redirectUri: string; scopes: string[]; expiresAt: number }>();
  private revokedGrants = new Set<string>();
  /** API tokens (basic auth) by the account's e-mail address. */
  private apiTokens = new Map<string, Set<string>>();
  private n = 0;
  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly now: () => number = Date.now,
  ) {}

  private id(prefix: string): string {
    const r = crypto.getRandomValues(new Uint8Array(12));
    return `${prefix}${++this.n}.${[...r].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  }

  /** Mint tokens directly (tests, demo). */
  issue(
    scopes: string[] = ["read:jira-work", "write:jira-work", "read:jira-user", "manage:jira-webhook", "offline_access"],
    ttlMs = 3_600_000,
    grant = this.id("grant-"),
  ) {
    const accessToken = this.id("jira-at-");
    this.access.set(accessToken, { grant, scopes, expiresAt: this.now() + ttlMs, revoked: false });
    let refreshToken: string | null = null;
    if (scopes.includes("offline_access")) {
      refreshToken = this.id("jira-rt-");
      this.refresh.set(refreshToken, { grant, scopes, used: false });
    }
    return { accessToken, refreshToken, expiresIn: Math.round(ttlMs / 1000), scopes };
  }

  /** Revoke the grant behind an access token: its access and refresh tokens stop working. */
  revoke(accessToken: string): void {
    const t = this.access.get(accessToken);
    if (!t) return;
    this.revokedGrants.add(t.grant);
    for (const v of this.access.values()) if (v.grant === t.grant) v.revoked = true;
  }

  expire(accessToken: string): void {
    const t = this.access.get(accessToken);
    if (t) t.expiresAt = this.now() - 1;
  }

  /**
   * Accepts `Basic base64(email:token)` for this e-mail address and API token (a fresh random
   * token when none is given). API tokens carry the user's own permissions, not OAuth scopes.
   */
  addApiToken(email: string, token = this.id("ATATT3x")): { email: string; token: string } {
    let set = this.apiTokens.get(email.toLowerCase());
    if (!set) this.apiTokens.set(email.toLowerCase(), (set = new Set()));
    set.add(token);
    return { email, token };
  }

  /** Stops accepting an API token (as revoking it in the Atlassian account settings does). */
  revokeApiToken(email: string, token: string): void {
    this.apiTokens.get(email.toLowerCase())?.delete(token);
  }

  /** Is this `Authorization` header basic auth (right or wrong)? */
  static isBasic(authorization: string | null | undefined): boolean {
    return /^Basic\s/i.test(authorization ?? "");
  }

  check(authorization: string | null | undefined): TokenInfo | null {
    const b = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? "");
    if (b) {
      let decoded: string;
      try {
        decoded = new TextDecoder().decode(Uint8Array.from(atob(b[1]!), (ch) => ch.charCodeAt(0)));
      } catch {
        return null;
      }
      const colon = decoded.indexOf(":");
      if (colon <= 0) return null;
      const email = decoded.slice(0, colon).toLowerCase();
      const token = decoded.slice(colon + 1);
      if (!this.apiTokens.get(email)?.has(token)) return null;
      // A Jira API token acts with the account's permissions: every classic scope, no expiry.
      return {
        grant: `basic:${email}`,
        scopes: ["read:jira-work", "write:jira-work", "read:jira-user", "manage:jira-webhook"],
        expiresAt: Infinity,
        revoked: false,
      };
    }
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    const t = m ? this.access.get(m[1]!) : undefined;
    if (!t || t.revoked || t.expiresAt <= this.now()) return null;
    return t;
  }

  routes(): Hono {
    const app = new Hono();
    app.get("/authorize", (c) => {
      const q = c.req.query();
      const problems: string[] = [];
      if (q.client_id !== this.clientId) problems.push("unknown client_id");
      if (q.audience !== "api.atlassian.com") problems.push("audience must be api.atlassian.com");
      if (q.response_type !== "code") problems.push("response_type must be code");
      if (!q.redirect_uri) problems.push("redirect_uri is required");
      if (!q.scope || q.scope.includes(",")) problems.push("scope must be space-separated");
      if (problems.length)
        return c.html(`<!doctype html><title>Error</title><h1>Something went wrong</h1><ul>${problems.map((p) => `<li>${p}</li>`).join("")}</ul>`, 400);
      const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
      const hidden = ["redirect_uri", "state", "scope"].map((k) => `<input type="hidden" name="${k}" value="${esc(q[k] ?? "")}">`).join("");
      return c.html(
        `<!doctype html><html><head><title>Authorize Backlog Auditor</title></head><body>` +
          `<h1>Backlog Auditor is requesting access to your Atlassian account</h1>` +
          `<p>Scopes: ${esc(q.scope ?? "")}</p><p>Use app on: acme.atlassian.net, globex.atlassian.net</p>` +
          `<form method="post" action="authorize/approve">${hidden}<button type="submit" id="approve">Approve</button></form>` +
          `<form method="get" action="${esc(q.redirect_uri ?? "")}"><input type="hidden" name="error" value="access_denied"><input type="hidden" name="state" value="${esc(q.state ?? "")}"><button type="submit">Cancel</button></form>` +
          `</body></html>`,
      );
    });
    app.post("/authorize/approve", async (c) => {
      const f = await c.req.parseBody();
      const redirectUri = String(f.redirect_uri ?? "");
      const code = this.id("code-");
      this.codes.set(code, {
        redirectUri,
        scopes: String(f.scope ?? "")
          .split(" ")
          .filter(Boolean),
        expiresAt: this.now() + 600_000,
      });
      const u = new URL(redirectUri);
      u.searchParams.set("code", code);
      if (f.state) u.searchParams.set("state", String(f.state));
      return c.redirect(u.toString(), 302);
    });
    app.post("/oauth/token", async (c) => {
      let b: Record<string, unknown>;
      try {
        b = (await c.req.json()) as Record<string, unknown>;
      } catch {
        return c.json({ error: "invalid_request", error_description: "body must be JSON" }, 400);
      }
      if (b.client_id !== this.clientId || b.client_secret !== this.clientSecret)
        return c.json({ error: "access_denied", error_description: "Unauthorized" }, 401);
      const answer = (t: ReturnType<SandboxAuth["issue"]>) =>
        c.json({
          access_token: t.accessToken,
          expires_in: t.expiresIn,
          token_type: "Bearer",
          scope: t.scopes.join(" "),
          ...(t.refreshToken ? { refresh_token: t.refreshToken } : {}),
        });
      if (b.grant_type === "authorization_code") {
        const code = this.codes.get(String(b.code));
        this.codes.delete(String(b.code));
        if (!code || code.expiresAt < this.now() || code.redirectUri !== b.redirect_uri)
          return c.json({ error: "invalid_grant", error_description: "Invalid authorization code" }, 403);
        return answer(this.issue(code.scopes));
      }
      if (b.grant_type === "refresh_token") {
        const r = this.refresh.get(String(b.refresh_token));
        if (!r || r.used || this.revokedGrants.has(r.grant))
          return c.json({ error: "invalid_grant", error_description: "Unknown or invalid refresh token." }, 403);
        r.used = true;
        return answer(this.issue(r.scopes, 3_600_000, r.grant));
      }
      return c.json({ error: "unsupported_grant_type" }, 400);
    });
    return app;
  }
}
