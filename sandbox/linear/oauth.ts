/**
 * The Linear sandbox's OAuth server: an authorize page with an Approve
 * button, codes bound to client, redirect URI and PKCE challenge, expiring
 * access tokens, rotating refresh tokens (a used refresh token is refused,
 * as Linear does since refresh tokens became mandatory), and revocation.
 */
import type { Hono } from "hono";
import { html } from "hono/html";
import { idMaker } from "./state";

export interface TokenRecord {
  accessToken: string;
  refreshToken: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

async function s256(verifier: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...d))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

const oauthError = (error: string, description: string, status: 400 | 401 = 400) =>
  new Response(JSON.stringify({ error, error_description: description }), { status, headers: { "content-type": "application/json" } });

export class LinearTokens {
  private readonly byAccess = new Map<string, TokenRecord>();
  private readonly byRefresh = new Map<string, TokenRecord>();
  /** Refresh tokens already exchanged: refused afterwards. */
  private readonly rotated = new Set<string>();
  private readonly codes = new Map<string, { clientId: string; redirectUri: string; challenge: string | null; scopes: string[]; expiresAt: number }>();
  private readonly id: () => string;

  constructor(private readonly opts: { clientId: string; clientSecret: string; now: () => number; accessTtlSec: number; seed: number }) {
    this.id = idMaker(opts.seed + 77);
  }

  /** Mint a token set directly (tests, harnesses). */
  issue(scopes: string[] = ["read", "write", "comments:create"]): TokenRecord {
    const rec: TokenRecord = {
      accessToken: `lin_oauth_${this.id().replace(/-/g, "")}`,
      refreshToken: `lin_refresh_${this.id().replace(/-/g, "")}`,
      scopes,
      expiresAt: this.opts.now() + this.opts.accessTtlSec * 1000,
      revoked: false,
    };
    this.byAccess.set(rec.accessToken, rec);
    this.byRefresh.set(rec.refreshToken, rec);
    return rec;
  }

  /** Revoke an access token (and its refresh token). */
  revoke(accessToken: string): boolean {
    const rec = this.byAccess.get(accessToken) ?? this.byRefresh.get(accessToken);
    if (!rec) return false;
    rec.revoked = true;
    return true;
  }

  /** Expire an access token now (the refresh token stays usable). */
  expire(accessToken: string): void {
    const rec = this.byAccess.get(accessToken);
    if (rec) rec.expiresAt = this.opts.now() - 1;
  }

  check(accessToken: string): "ok" | "expired" | "revoked" | "unknown" {
    const rec = this.byAccess.get(accessToken);
    if (!rec) return "unknown";
    if (rec.revoked) return "revoked";
    return rec.expiresAt <= this.opts.now() ? "expired" : "ok";
  }

  private answer(rec: TokenRecord): Response {
    const body = {
      access_token: rec.accessToken,
      token_type: "Bearer",
      expires_in: Math.round((rec.expiresAt - this.opts.now()) / 1000),
      refresh_token: rec.refreshToken,
      scope: rec.scopes,
    };
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  }

  /** Routes under `{basePath}`: `/oauth/authorize` (+ `/approve`), `/api/oauth/token`, `/api/oauth/revoke`. */
  routes(app: Hono, count: (route: string) => void): void {
    app.get("/oauth/authorize", (c) => {
      count("GET /oauth/authorize");
      const q = c.req.query();
      if (q.client_id !== this.opts.clientId) return c.text("Unknown client_id", 400);
      if (!q.redirect_uri) return c.text("Missing redirect_uri", 400);
      const approve = new URL(c.req.url);
      approve.pathname = approve.pathname.replace(/\/oauth\/authorize$/, "/oauth/authorize/approve");
      const scopes = (q.scope ?? "read").split(",");
      return c.html(html`<!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Authorize application · Linear (sandbox)</title>
        <style>body{font:15px system-ui;max-width:28rem;margin:4rem auto;color:#222}button{background:#5e6ad2;color:#fff;border:0;border-radius:6px;padding:.6rem 1.2rem;font-size:15px}</style></head>
        <body><h1>Backlog Auditor wants access to Acme Robotics</h1>
        <p>It asks for: ${scopes.join(", ")}${q.actor === "app" ? " (acting as an app)" : ""}.</p>
        <form method="get" action="${approve.pathname}">
          ${Object.entries(q).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
          <button type="submit" id="approve">Approve</button>
        </form></body></html>`);
    });

    app.get("/oauth/authorize/approve", (c) => {
      count("GET /oauth/authorize/approve");
      const q = c.req.query();
      if (q.client_id !== this.opts.clientId || !q.redirect_uri) return c.text("Bad request", 400);
      const code = this.id().replace(/-/g, "");
      this.codes.set(code, {
        clientId: q.client_id,
        redirectUri: q.redirect_uri,
        challenge: q.code_challenge_method === "S256" ? (q.code_challenge ?? null) : null,
        scopes: (q.scope ?? "read").split(",").filter(Boolean),
        expiresAt: this.opts.now() + 10 * 60_000,
      });
      const to = new URL(q.redirect_uri);
      to.searchParams.set("code", code);
      if (q.state) to.searchParams.set("state", q.state);
      return c.redirect(to.toString(), 302);
    });

    app.post("/api/oauth/token", async (c) => {
      count("POST /oauth/token");
      const f = new URLSearchParams(await c.req.text());
      if (f.get("client_id") !== this.opts.clientId || f.get("client_secret") !== this.opts.clientSecret)
        return oauthError("invalid_client", "Client authentication failed", 401);
      if (f.get("grant_type") === "authorization_code") {
        const code = this.codes.get(f.get("code") ?? "");
        if (!code || code.expiresAt < this.opts.now()) return oauthError("invalid_grant", "Invalid or expired code");
        this.codes.delete(f.get("code")!);
        if (code.redirectUri !== f.get("redirect_uri")) return oauthError("invalid_grant", "redirect_uri does not match");
        if (code.challenge && (await s256(f.get("code_verifier") ?? "")) !== code.challenge) return oauthError("invalid_grant", "PKCE verification failed");
        return this.answer(this.issue(code.scopes));
      }
      if (f.get("grant_type") === "refresh_token") {
        const rt = f.get("refresh_token") ?? "";
        const old = this.byRefresh.get(rt);
        if (!old || this.rotated.has(rt) || old.revoked) return oauthError("invalid_grant", "Refresh token is invalid, used or revoked");
        this.rotated.add(rt);
        this.byRefresh.delete(rt);
        return this.answer(this.issue(old.scopes));
      }
      return oauthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
    });

    app.post("/api/oauth/revoke", async (c) => {
      count("POST /oauth/revoke");
      const f = new URLSearchParams(await c.req.text());
      const bearer = (c.req.header("authorization") ?? "").replace(/^Bearer\s+/i, "");
      const token = f.get("token") ?? bearer;
      if (!token || !this.revoke(token)) return oauthError("invalid_request", "Unknown token");
      return c.body(null, 200);
    });
  }
}
