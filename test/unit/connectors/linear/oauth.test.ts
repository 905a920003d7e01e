import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../../../connectors/errors";
import { CLIENT, ORIGIN, setup } from "./setup";

const b64url = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
async function pkce() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}
const REDIRECT = "https://auditor.test/oauth/linear/callback";

async function approve(c: ReturnType<typeof setup>, url: string): Promise<string> {
  const page = await c.fetch(url);
  const html = await page.text();
  expect(html).toContain('id="approve"');
  const action = /action="([^"]+)"/.exec(html)![1]!;
  const params = new URLSearchParams();
  for (const m of html.matchAll(/name="([^"]+)" value="([^"]*)"/g)) params.set(m[1]!, m[2]!.replace(/&amp;/g, "&"));
  const res = await c.fetch(`${ORIGIN}${action}?${params}`, { redirect: "manual" });
  expect(res.status).toBe(302);
  const to = new URL(res.headers.get("location")!);
  expect(to.searchParams.get("state")).toBe("st-1");
  return to.searchParams.get("code")!;
}

describe("Linear OAuth", () => {
  it("builds the authorize URL with comma-separated scopes, PKCE, actor and consent", () => {
    const c = setup({ connector: { options: { actor: "app" } } });
    const u = new URL(c.connector.oauth.authorizeUrl({ state: "s", redirectUri: REDIRECT, codeChallenge: "abc" }));
    expect(u.origin + u.pathname).toBe(`${ORIGIN}/linear/oauth/authorize`);
    expect(Object.fromEntries(u.searchParams)).toEqual({
      client_id: CLIENT.clientId,
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "read,write,comments:create",
      state: "s",
      prompt: "consent",
      actor: "app",
      code_challenge: "abc",
      code_challenge_method: "S256",
    });
  });

  it("Approve → code → tokens (PKCE checked) → discover; refresh rotates and the old refresh token is refused", async () => {
    const c = setup();
    const { verifier, challenge } = await pkce();
    const code = await approve(c, c.connector.oauth.authorizeUrl({ state: "st-1", redirectUri: REDIRECT, codeChallenge: challenge }));
    const tokens = await c.connector.oauth.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: verifier });
    expect(tokens.scopes).toEqual(["read", "write", "comments:create"]);
    expect(Date.parse(tokens.expiresAt!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const d = await c.connector.oauth.discover({ accessToken: tokens.accessToken });
    expect(d.account.name).toBe("Ada Park");
    expect(d.sites[0]).toMatchObject({ name: "Acme Robotics", url: "https://linear.app/acme" });
    expect(d.scopes.map((s) => s.name)).toEqual(["Engineering (ENG)", "Operations (OPS)"]);
    expect(d.scopes[0]).toMatchObject({ kind: "team", id: c.team.id });

    const next = await c.connector.oauth.refresh(tokens);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    await c.connector.oauth.discover({ accessToken: next.accessToken });
    const e = await c.connector.oauth.refresh(tokens).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectorError);
    expect((e as ConnectorError).code).toBe("auth");
    expect((await c.connector.oauth.refresh(next)).refreshToken).toBeTruthy();
  });

  it("a wrong PKCE verifier or a reused code is refused", async () => {
    const c = setup();
    const { challenge } = await pkce();
    const code = await approve(c, c.connector.oauth.authorizeUrl({ state: "st-1", redirectUri: REDIRECT, codeChallenge: challenge }));
    await expect(c.connector.oauth.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: "wrong" })).rejects.toMatchObject({ code: "auth" });
    await expect(c.connector.oauth.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: "wrong" })).rejects.toMatchObject({ code: "auth" });
  });

  it("revoke: the token then answers auth", async () => {
    const c = setup();
    await c.connector.oauth.revoke!({ accessToken: c.auth.accessToken, refreshToken: null, expiresAt: null, scopes: [] });
    await expect(c.connector.listIssues(c.auth, c.scope, null)).rejects.toMatchObject({ code: "auth" });
  });

  it("an expired access token answers auth and the refresh token still works", async () => {
    const c = setup();
    c.sandbox.tokens.expire(c.auth.accessToken);
    await expect(c.connector.listIssues(c.auth, c.scope, null)).rejects.toMatchObject({ code: "auth" });
    const t = await c.connector.oauth.refresh({ accessToken: c.auth.accessToken, refreshToken: c.tokenSet.refreshToken, expiresAt: null, scopes: [] });
    const page = await c.connector.listIssues({ accessToken: t.accessToken }, c.scope, null);
    expect(page.issues.length).toBeGreaterThan(0);
  });
});
