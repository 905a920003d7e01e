/**
 * github.com's OAuth web flow in the sandbox: the authorize page with an
 * "Authorize" button, code exchange and rotating refresh at
 * `/login/oauth/access_token` (200 + `error` on failure, JSON only when asked
 * with `Accept: application/json`, form-encoded otherwise), PKCE S256.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { html } from "hono/html";
import { randomToken, s256 } from "./auth";
import type { GithubCore } from "./core";

const USER_TOKEN_TTL_SEC = 8 * 3600;
const REFRESH_TTL_SEC = 15_897_600;

async function formOrJson(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  const text = await c.req.text();
  if (type.includes("application/json")) {
    try {
      const v = JSON.parse(text) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function oauthRoutes(core: GithubCore): Hono {
  const app = new Hono();

  app.get("/login/oauth/authorize", (c) => {
    core.stats.requests++;
    core.stats.reads++;
    const q = new URL(c.req.url).searchParams;
    if (q.get("client_id") !== core.opts.clientId) return c.html(html`<!doctype html><title>404</title><h1>Application not found</h1>`, 404);
    const redirect = q.get("redirect_uri");
    if (!redirect) return c.html(html`<!doctype html><h1>The redirect_uri is missing</h1>`, 400);
    const method = q.get("code_challenge_method");
    if (q.get("code_challenge") && method && method !== "S256") return c.html(html`<!doctype html><h1>Unsupported code_challenge_method</h1>`, 400);
    const fields = ["client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"];
    return c.html(html`<!doctype html>
      <html lang="en">
        <head><meta charset="utf-8" /><title>Authorize Backlog Auditor · GitHub sandbox</title></head>
        <body style="font-family: system-ui; max-width: 32rem; margin: 4rem auto">
          <h1>Authorize ${core.opts.appSlug}</h1>
          <p>Signed in as <strong>${core.oauthUser}</strong>. The application asks for <code>${q.get("scope") || "(no scope)"}</code>.</p>
          <form method="post" action="${core.opts.basePath}/login/oauth/authorize">
            ${fields.map((f) => html`<input type="hidden" name="${f}" value="${q.get(f) ?? ""}" />`)}
            <button type="submit" name="authorize" value="1" id="js-oauth-authorize-btn">Authorize</button>
            <button type="submit" name="authorize" value="0">Cancel</button>
          </form>
        </body>
      </html>`);
  });

  app.post("/login/oauth/authorize", async (c) => {
    core.stats.requests++;
    core.stats.writes++;
    const f = await formOrJson(c);
    const redirect = new URL(f.redirect_uri ?? "");
    if (f.state) redirect.searchParams.set("state", f.state);
    if (f.authorize !== "1") {
      redirect.searchParams.set("error", "access_denied");
      redirect.searchParams.set("error_description", "The user has denied your application access.");
      return c.redirect(redirect.toString(), 302);
    }
    const code = randomToken("", 20);
    core.codes.set(code, {
      code,
      clientId: f.client_id ?? "",
      redirectUri: f.redirect_uri ?? "",
      scope: f.scope ?? "",
      login: core.oauthUser,
      challenge: f.code_challenge || null,
      expiresAt: core.now() + 600_000,
      used: false,
    });
    redirect.searchParams.set("code", code);
    return c.redirect(redirect.toString(), 302);
  });

  app.post("/login/oauth/access_token", async (c) => {
    core.stats.requests++;
    core.stats.writes++;
    const f = await formOrJson(c);
    const wantsJson = (c.req.header("accept") ?? "").includes("json");
    const answer = (data: Record<string, string | number>) =>
      wantsJson
        ? c.json(data, 200)
        : c.text(new URLSearchParams(Object.entries(data).map(([k, v]) => [k, String(v)])).toString(), 200, {
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
          });
    const fail = (error: string, description: string) =>
      answer({
        error,
        error_description: description,
        error_uri: `https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#${error.replace(/_/g, "-")}`,
      });

    if (f.client_id !== core.opts.clientId || f.client_secret !== core.opts.clientSecret)
      return fail("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");

    let login: string;
    let scope: string;
    if (f.grant_type === "refresh_token") {
      const r = core.tokens.get(f.refresh_token ?? "");
      if (!r || r.kind !== "refresh" || r.revoked || (r.expiresAt !== null && r.expiresAt <= core.now()))
        return fail("bad_refresh_token", "The refresh token passed is incorrect or expired.");
      r.revoked = true; // rotating: a refresh token works once
      login = r.login!;
      scope = r.scopes.join(",");
    } else {
      const code = core.codes.get(f.code ?? "");
      if (!code || code.used || code.expiresAt <= core.now() || code.clientId !== f.client_id)
        return fail("bad_verification_code", "The code passed is incorrect or expired.");
      if (f.redirect_uri && f.redirect_uri !== code.redirectUri)
        return fail("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
      if (code.challenge && (!f.code_verifier || (await s256(f.code_verifier)) !== code.challenge))
        return fail("bad_verification_code", "The code_verifier does not match the code_challenge.");
      code.used = true;
      login = code.login;
      scope = code.scope.split(/[ ,]+/).filter(Boolean).join(",");
    }
    const scopes = scope.split(",").filter(Boolean);
    if (core.opts.userTokens === "non-expiring") {
      const t = core.issueToken({ kind: "user", installationId: null, login, clientId: core.opts.clientId, scopes, expiresAt: null }, "gho_");
      return answer({ access_token: t.token, token_type: "bearer", scope });
    }
    const t = core.issueToken(
      { kind: "user", installationId: null, login, clientId: core.opts.clientId, scopes, expiresAt: core.now() + USER_TOKEN_TTL_SEC * 1000 },
      "ghu_",
    );
    const r = core.issueToken(
      { kind: "refresh", installationId: null, login, clientId: core.opts.clientId, scopes, expiresAt: core.now() + REFRESH_TTL_SEC * 1000 },
      "ghr_",
    );
    return answer({
      access_token: t.token,
      expires_in: USER_TOKEN_TTL_SEC,
      refresh_token: r.token,
      refresh_token_expires_in: REFRESH_TTL_SEC,
      token_type: "bearer",
      scope,
    });
  });

  return app;
}
