/**
 * OAuth and secrets at rest, through the real Worker, real D1 and the GitHub
 * sandbox (behind msw) doing the real code exchange with PKCE:
 *
 * - the `state` of the connect flow (`/w/:ws/connect/github` →
 *   `/oauth/github/callback`) and of sign-in is refused when it is completed in
 *   another session, replayed, expired, forged, used for another tracker or for
 *   the other purpose, and in each case the code is never exchanged and no
 *   connection or session appears;
 * - after a real connect, a dump of every D1 table holds none of the tokens or
 *   codes the tracker issued, and a token ciphertext moved to another
 *   connection row (or field) does not decrypt (AES-GCM additional data).
 */
import { describe, expect, it, vi } from "vitest";
import type { Env, QueueJob } from "../../src/env";
import { getConfig } from "../../src/env";
import { getConnection } from "../../src/db/connections";
import { decryptSecret } from "../../src/security/crypto";
import { sha256Hex } from "../../src/security/ids";
import { authFor, connectorFor } from "../../src/services/connectors";
import { defaultDeps } from "../../src/deps";
import { Browser, countRows, dumpDatabase, errorCode, seedTenant, testEnv } from "./security/harness";
import { useGithubSandbox } from "./security/github-sandbox";

const gh = useGithubSandbox();

/** An env whose queue only records (the connect flow's first sync is not under test here). */
function quietEnv(extra: Partial<Env> = {}): { env: Env; sent: QueueJob[] } {
  const sent: QueueJob[] = [];
  const queue = {
    send: async (b: QueueJob) => void sent.push(b),
    sendBatch: async (m: Iterable<{ body: QueueJob }>) => void [...m].forEach((x) => sent.push(x.body)),
  };
  return { env: { ...testEnv, SYNC_QUEUE: queue as unknown as Queue<QueueJob>, ...extra }, sent };
}

/** Signs in through `/signin/github` and the sandbox's consent page; returns the browser and its first workspace. */
async function signIn(login: string, env?: Env): Promise<{ browser: Browser; workspaceId: string; sessionCookie: string }> {
  const browser = new Browser();
  const start = await browser.request("/signin/github", { env });
  expect(start.status).toBe(302);
  const cb = await gh.approve(start.headers.get("location")!, login);
  const done = await browser.request(cb.path, { env });
  expect(done.status, await done.clone().text()).toBe(302);
  const m = /^\/w\/([^/?]+)/.exec(done.headers.get("location") ?? "");
  expect(m, `sign-in landed on ${done.headers.get("location")}`).not.toBeNull();
  await browser.refreshCsrf();
  return { browser, workspaceId: decodeURIComponent(m![1]!), sessionCookie: browser.cookies.get("ba_session")! };
}

/** Starts the connect flow and approves it; does not complete the callback. */
async function startConnect(browser: Browser, workspaceId: string, login: string, env?: Env) {
  const start = await browser.request(`/w/${workspaceId}/connect/github`, { env });
  expect(start.status).toBe(302);
  return gh.approve(start.headers.get("location")!, login);
}

const connections = (ws: string) => countRows("SELECT count(*) AS n FROM connections WHERE workspace_id = ?", ws);
const codeUsed = (code: string) => gh.sandbox.core.codes.get(code)?.used ?? null;

describe("OAuth state on the connect flow", () => {
  it("a completed connect stores an encrypted connection and lands on the scope picker", async () => {
    const { env } = quietEnv();
    const alice = await signIn("alice-connect", env);
    const cb = await startConnect(alice.browser, alice.workspaceId, "alice-connect", env);
    const res = await alice.browser.request(cb.path, { env });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(new RegExp(`^/w/${alice.workspaceId}/connections/conn_[^/]+/scopes$`));
    expect(codeUsed(cb.code)).toBe(true);
    expect(await connections(alice.workspaceId)).toBeGreaterThan(0);
  });

  it("is refused when completed in another signed-in session (the victim's state, the attacker's browser)", async () => {
    const victim = await signIn("victim-1");
    const attacker = await signIn("attacker-1");
    const cb = await startConnect(victim.browser, victim.workspaceId, "attacker-1");
    const res = await attacker.browser.request(cb.path);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("oauth_state_invalid");
    expect(codeUsed(cb.code)).toBe(false);
    expect(await connections(victim.workspaceId)).toBe(0);
    expect(await connections(attacker.workspaceId)).toBe(0);
  });

  it("is refused when completed without any session", async () => {
    const victim = await signIn("victim-2");
    const cb = await startConnect(victim.browser, victim.workspaceId, "victim-2");
    const res = await new Browser().request(cb.path);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("oauth_state_invalid");
    expect(codeUsed(cb.code)).toBe(false);
    expect(await connections(victim.workspaceId)).toBe(0);
  });

  it("is single use: replaying an accepted callback is refused and creates nothing more", async () => {
    const { env } = quietEnv();
    const bob = await signIn("bob-replay", env);
    const cb = await startConnect(bob.browser, bob.workspaceId, "bob-replay", env);
    expect((await bob.browser.request(cb.path, { env })).status).toBe(303);
    const n = await connections(bob.workspaceId);
    const replay = await bob.browser.request(cb.path, { env });
    expect(replay.status).toBe(400);
    expect(await errorCode(replay)).toBe("oauth_state_invalid");
    expect(await connections(bob.workspaceId)).toBe(n);
  });

  it("is refused once expired (10 minutes)", async () => {
    const carol = await signIn("carol-expired");
    const cb = await startConnect(carol.browser, carol.workspaceId, "carol-expired");
    await testEnv.DB.prepare("UPDATE oauth_states SET expires_at = ? WHERE state = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), await sha256Hex(cb.state))
      .run();
    const res = await carol.browser.request(cb.path);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("oauth_state_invalid");
    expect(((await res.json()) as { error: { details?: { reason?: string } } }).error.details?.reason).toBe("expired");
    expect(codeUsed(cb.code)).toBe(false);
    expect(await connections(carol.workspaceId)).toBe(0);
  });

  it.each([
    ["a forged state", (p: string) => p.replace(/state=[^&]+/, "state=forged-state-value-0123456789")],
    ["no state", (p: string) => p.replace(/&?state=[^&]+/, "")],
    ["the state sent to another tracker's callback", (p: string) => p.replace("/oauth/github/", "/oauth/linear/")],
  ])("is refused with %s", async (_name, tamper) => {
    const dave = await signIn(`dave-${crypto.randomUUID().slice(0, 8)}`);
    const cb = await startConnect(dave.browser, dave.workspaceId, "dave");
    const res = await dave.browser.request(tamper(cb.path));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("oauth_state_invalid");
    expect(codeUsed(cb.code)).toBe(false);
    expect(await connections(dave.workspaceId)).toBe(0);
  });

  it("a connect state is refused at the sign-in callback, and a sign-in state at the connect callback", async () => {
    const erin = await signIn("erin-purpose");
    const connect = await startConnect(erin.browser, erin.workspaceId, "erin-purpose");
    const atSignin = await erin.browser.request(connect.path.replace("/oauth/github/callback", "/auth/github/callback"));
    expect(atSignin.status).toBe(400);
    expect(await errorCode(atSignin)).toBe("oauth_state_invalid");
    expect(codeUsed(connect.code)).toBe(false);

    const signinStart = await erin.browser.request("/signin/github");
    const signin = await gh.approve(signinStart.headers.get("location")!, "erin-purpose");
    const atConnect = await erin.browser.request(signin.path.replace("/auth/github/callback", "/oauth/github/callback"));
    expect(atConnect.status).toBe(400);
    expect(await errorCode(atConnect)).toBe("oauth_state_invalid");
    expect(codeUsed(signin.code)).toBe(false);
    expect(await connections(erin.workspaceId)).toBe(0);
  });
});

describe("the connect callback re-checks access", () => {
  // src/routes/connect.tsx re-checks that the caller is still an admin of the state's workspace
  // when the callback arrives (up to 10 minutes later), before exchanging the code.
  it("refuses a callback from a user who stopped being an admin of the workspace after starting the flow", async () => {
    const { env } = quietEnv();
    const owner = await signIn("jo-owner", env);
    const admin = await signIn("kim-admin", env);
    const { addMember } = await import("../../src/db/workspaces");
    await addMember(
      testEnv.DB,
      owner.workspaceId,
      (await testEnv.DB.prepare("SELECT user_id FROM workspace_members WHERE workspace_id = ?").bind(admin.workspaceId).first<{ user_id: string }>())!.user_id,
      "admin",
    );
    const cb = await startConnect(admin.browser, owner.workspaceId, "kim-admin", env);
    // The owner removes kim before kim's tracker redirects back.
    await testEnv.DB.prepare(
      "DELETE FROM workspace_members WHERE workspace_id = ? AND user_id IN (SELECT user_id FROM workspace_members WHERE workspace_id = ?)",
    )
      .bind(owner.workspaceId, admin.workspaceId)
      .run();
    const res = await admin.browser.request(cb.path, { env });
    expect(res.status).toBe(404);
    expect(codeUsed(cb.code)).toBe(false);
    expect(await connections(owner.workspaceId)).toBe(0);
  });
});

describe("sign-in redirects", () => {
  it.each(["//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/%2F%2Fevil.example"])(
    "never send the browser off-site after sign-in (next=%s)",
    async (next) => {
      const b = new Browser();
      const start = await b.request(`/signin/github?next=${encodeURIComponent(next)}`);
      const cb = await gh.approve(start.headers.get("location")!, `redir-${crypto.randomUUID().slice(0, 6)}`);
      const done = await b.request(cb.path);
      expect(done.status).toBe(302);
      const loc = done.headers.get("location")!;
      expect(loc).toMatch(/^\/(?![/\\])/);
      expect(new URL(loc, "http://127.0.0.1:8787").origin).toBe("http://127.0.0.1:8787");
    },
  );

  it("renders a tracker's hostile error_description as text, and errors as JSON with nosniff", async () => {
    const res = await new Browser().request(`/oauth/github/callback?error=access_denied&error_description=${encodeURIComponent("<script>alert(1)</script>")}`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const err = await new Browser().request(`/no/such/<script>alert(1)</script>`);
    expect(err.status).toBe(404);
    expect(err.headers.get("content-type")).toMatch(/^application\/json/);
    expect(err.headers.get("x-content-type-options")).toBe("nosniff");
    const me = await new Browser().request("/api/v1/me", { headers: { origin: "https://evil.example" } });
    expect(me.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("OAuth state on sign-in", () => {
  it("is refused in a browser that did not start it (login CSRF), when replayed, and when expired", async () => {
    const victim = new Browser();
    const attacker = new Browser();
    // Login CSRF: the attacker's own approved callback, opened in the victim's browser.
    const start = await attacker.request("/signin/github");
    const cb = await gh.approve(start.headers.get("location")!, "mallory");
    const forced = await victim.request(cb.path);
    expect(forced.status).toBe(400);
    expect(await errorCode(forced)).toBe("oauth_state_invalid");
    expect(victim.cookies.has("ba_session")).toBe(false);
    expect(codeUsed(cb.code)).toBe(false);

    // Replay: a completed sign-in's callback URL does not sign in again.
    const ok = await signIn("frank-replay");
    const fresh = new Browser();
    const s2 = await fresh.request("/signin/github");
    const cb2 = await gh.approve(s2.headers.get("location")!, "frank-replay");
    expect((await fresh.request(cb2.path)).status).toBe(302);
    const other = new Browser();
    const replay = await other.request(cb2.path);
    expect(replay.status).toBe(400);
    expect(other.cookies.has("ba_session")).toBe(false);
    expect(ok.workspaceId).toMatch(/^ws_/);

    // Expired.
    const late = new Browser();
    const s3 = await late.request("/signin/github");
    const cb3 = await gh.approve(s3.headers.get("location")!, "gina-late");
    await testEnv.DB.prepare("UPDATE oauth_states SET expires_at = ? WHERE state = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), await sha256Hex(cb3.state))
      .run();
    const expired = await late.request(cb3.path);
    expect(expired.status).toBe(400);
    expect(late.cookies.has("ba_session")).toBe(false);
    expect(codeUsed(cb3.code)).toBe(false);
  });
});

describe("sessions", () => {
  it("the session cookie is HttpOnly, SameSite=Lax, path /, and __Host- + Secure when served over https", async () => {
    const start = new Browser();
    const s = await start.request("/signin/github");
    const cb = await gh.approve(s.headers.get("location")!, "lou-cookie");
    const res = await start.request(cb.path);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("ba_session="));
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);

    const https = { ...testEnv, PUBLIC_BASE_URL: "https://auditor.example" };
    const b = new Browser();
    const s2 = await b.request("/signin/github", { env: https });
    const bind = s2.headers.getSetCookie().find((c) => c.startsWith("__Host-ba_oauth="));
    expect(bind).toMatch(/;\s*Secure/i);
    const cb2 = await gh.approve(s2.headers.get("location")!, "lou-https");
    const res2 = await b.request(cb2.path, { env: https });
    expect(res2.status).toBe(302);
    const secure = res2.headers.getSetCookie().find((c) => c.startsWith("__Host-ba_session="));
    expect(secure).toMatch(/;\s*Secure/i);
    expect(secure).toMatch(/;\s*HttpOnly/i);
    expect(secure).not.toMatch(/;\s*Domain=/i);
  });

  it("signing in replaces the session (no fixation), and signing out kills it server-side", async () => {
    const b = await signIn("max-fixation");
    const before = b.sessionCookie;
    const s = await b.browser.request("/signin/github");
    const cb = await gh.approve(s.headers.get("location")!, "max-fixation");
    expect((await b.browser.request(cb.path)).status).toBe(302);
    const after = b.browser.cookies.get("ba_session")!;
    expect(after).not.toBe(before);
    const stale = new Browser();
    stale.cookies.set("ba_session", before);
    expect((await stale.request("/api/v1/me")).status).toBe(401);

    await b.browser.refreshCsrf();
    expect((await b.browser.request("/signout", { method: "POST", form: {} })).status).toBe(303);
    const replay = new Browser();
    replay.cookies.set("ba_session", after);
    expect((await replay.request("/api/v1/me")).status).toBe(401);
    expect(await countRows("SELECT count(*) AS n FROM sessions WHERE id = ?", await sha256Hex(after))).toBe(0);
  });

  it("a revoked API token is refused, and a read token cannot write", async () => {
    const t = await seedTenant({ name: "Token team" });
    const api = new Browser();
    const { createApiToken } = await import("../../src/auth/api-token");
    const read = await createApiToken(testEnv.DB, { workspaceId: t.ids.workspaceId, name: "ro", scope: "read", createdBy: null, now: Date.now() });
    expect((await api.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { bearer: read.token })).status).toBe(200);
    const write = await api.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { method: "PATCH", json: { writeMode: "on" }, bearer: read.token });
    expect(write.status).toBe(403);
    expect((await t.browser.request(`/w/${t.ids.workspaceId}/tokens/${read.row.id}/revoke`, { form: {} })).status).toBe(303);
    const revoked = await api.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { bearer: read.token });
    expect(revoked.status).toBe(401);
    // A token is never a session: it does not open the HTML pages.
    const page = await api.request(`/w/${t.ids.workspaceId}/report`, { bearer: t.apiToken });
    expect(page.status).toBe(302);
  });
});

describe("tokens at rest", () => {
  it("after sign-in + connect + scope pick, no D1 table holds a tracker token, code, state or client secret", async () => {
    const { env } = quietEnv();
    const hana = await signIn("hana-dump", env);
    const cb = await startConnect(hana.browser, hana.workspaceId, "hana-dump", env);
    const res = await hana.browser.request(cb.path, { env });
    expect(res.status).toBe(303);
    const scopes = await hana.browser.request(res.headers.get("location")!, { env });
    expect(scopes.status).toBe(200);
    const picked = await hana.browser.request(res.headers.get("location")!, { env, form: { scope: "acme/webapp" } });
    expect(picked.status).toBe(303);

    const row = await testEnv.DB.prepare("SELECT id, access_token_enc, refresh_token_enc FROM connections WHERE workspace_id = ?")
      .bind(hana.workspaceId)
      .first<{ id: string; access_token_enc: string; refresh_token_enc: string | null }>();
    expect(row?.access_token_enc).toMatch(/^v1\./);
    expect(row?.refresh_token_enc).toMatch(/^v1\./);
    // It really is the tracker's token, encrypted: it decrypts (in its own row) to one the sandbox issued.
    const config = getConfig(testEnv);
    const access = await decryptSecret(config.TOKEN_ENCRYPTION_KEYS, row!.access_token_enc, `${hana.workspaceId}/${row!.id}/access`);
    const refresh = await decryptSecret(config.TOKEN_ENCRYPTION_KEYS, row!.refresh_token_enc!, `${hana.workspaceId}/${row!.id}/refresh`);
    expect(gh.sandbox.core.tokens.get(access)?.kind).toBe("user");
    expect(gh.sandbox.core.tokens.get(refresh)?.kind).toBe("refresh");

    const { tables, text } = await dumpDatabase();
    expect(tables).toEqual(expect.arrayContaining(["connections", "sessions", "oauth_states", "api_tokens", "users"]));
    const secrets = [
      ...gh.secretsIssued(),
      cb.state,
      hana.sessionCookie,
      config.GITHUB_CLIENT_SECRET,
      ...config.TOKEN_ENCRYPTION_KEYS.map((k) => btoa(String.fromCharCode(...k.raw))),
    ];
    expect(secrets.length).toBeGreaterThan(5);
    const found = secrets.filter((s) => s.length >= 12 && text.includes(s));
    expect(found).toEqual([]);
  });

  it("a token ciphertext moved to another connection row, or to the other field, does not decrypt", async () => {
    const config = getConfig(testEnv);
    const x = await seedTenant({ name: "Crypto X" });
    const y = await seedTenant({ name: "Crypto Y" });
    const rowX = (await getConnection(testEnv.DB, x.ids.workspaceId, x.ids.connectionId))!;
    // The attacker with D1 write access copies X's ciphertext into Y's row.
    await testEnv.DB.prepare("UPDATE connections SET access_token_enc = ? WHERE id = ?").bind(rowX.accessTokenEnc, y.ids.connectionId).run();
    const rowY = (await getConnection(testEnv.DB, y.ids.workspaceId, y.ids.connectionId))!;
    await expect(decryptSecret(config.TOKEN_ENCRYPTION_KEYS, rowY.accessTokenEnc!, `${y.ids.workspaceId}/${y.ids.connectionId}/access`)).rejects.toThrow(
      /failed authentication/,
    );
    await expect(authFor(testEnv.DB, config, defaultDeps(), rowY, connectorFor("github", config, defaultDeps()))).rejects.toThrow();
    // Same row, other field: the refresh ciphertext is not accepted as the access token.
    await expect(decryptSecret(config.TOKEN_ENCRYPTION_KEYS, rowX.refreshTokenEnc!, `${x.ids.workspaceId}/${x.ids.connectionId}/access`)).rejects.toThrow(
      /failed authentication/,
    );
    // Control: in its own row it decrypts to X's token.
    expect(await decryptSecret(config.TOKEN_ENCRYPTION_KEYS, rowX.accessTokenEnc!, `${x.ids.workspaceId}/${x.ids.connectionId}/access`)).toBe(
      x.trackerTokens.access,
    );
    // And the app never hands X's token to the tracker on Y's behalf.
    const page = await y.browser.request(`/w/${y.ids.workspaceId}/connections/${y.ids.connectionId}/scopes`);
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect([...gh.sandbox.core.tokens.keys()]).not.toContain(x.trackerTokens.access);
  });
});

describe("logs", () => {
  it("hold no token, code, state, verifier, cookie, CSRF token or secret through sign-in, connect, API use and webhooks (LOG_LEVEL=debug)", async () => {
    const lines: string[] = [];
    const methods = ["log", "info", "warn", "error", "debug"] as const;
    const spies = methods.map((m) =>
      vi
        .spyOn(console, m)
        .mockImplementation((...args: unknown[]) => void lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "))),
    );
    const { env } = quietEnv({ LOG_LEVEL: "debug" });
    const config = getConfig(testEnv);
    const secrets: string[] = [];
    try {
      const ivy = await signIn("ivy-logs", env);
      secrets.push(ivy.sessionCookie, ivy.browser.csrfToken!);
      const cb = await startConnect(ivy.browser, ivy.workspaceId, "ivy-logs", env);
      secrets.push(cb.state, cb.code);
      const done = await ivy.browser.request(cb.path, { env });
      expect(done.status).toBe(303);
      // A refused replay and a refused forgery log their failure: still nothing secret.
      expect((await ivy.browser.request(cb.path, { env })).status).toBe(400);
      expect((await ivy.browser.request(`/oauth/github/callback?code=${cb.code}&state=${cb.state}x`, { env })).status).toBe(400);
      expect((await ivy.browser.request(done.headers.get("location")!, { env })).status).toBe(200);
      expect((await ivy.browser.request(done.headers.get("location")!, { env, form: { scope: "acme/webapp" } })).status).toBe(303);
      // An API token, made and used.
      const tokens = await ivy.browser.request(`/w/${ivy.workspaceId}/tokens`, { env, form: { name: "ci", scope: "write" } });
      const apiToken = /ba_[A-Za-z0-9_-]{20,}/.exec(await tokens.text())?.[0];
      expect(apiToken).toBeDefined();
      secrets.push(apiToken!);
      expect((await new Browser().request(`/api/v1/workspaces/${ivy.workspaceId}/connections`, { env, bearer: apiToken })).status).toBe(200);
      expect((await new Browser().request(`/api/v1/workspaces/${ivy.workspaceId}/connections`, { env, bearer: `${apiToken}x` })).status).toBe(401);
      // Webhooks: genuine and forged.
      const body = JSON.stringify({
        action: "edited",
        issue: { id: 5, number: 5, title: "x", labels: [], state: "open", updated_at: "2026-11-01T00:00:00Z", created_at: "2026-11-01T00:00:00Z" },
        repository: { full_name: "acme/webapp" },
      });
      const { hmacSha256Hex } = await import("../../connectors/http");
      const sig = `sha256=${await hmacSha256Hex(config.GITHUB_WEBHOOK_SECRET, body)}`;
      secrets.push(sig.slice(7));
      const wh = (s: string) =>
        new Browser().request("/webhooks/github", {
          env,
          method: "POST",
          body,
          headers: { "content-type": "application/json", "x-hub-signature-256": s, "x-github-delivery": crypto.randomUUID(), "x-github-event": "issues" },
        });
      expect((await wh(sig)).status).toBe(202);
      expect((await wh(sig.replace(/.$/, (ch) => (ch === "0" ? "1" : "0")))).status).toBe(401);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    secrets.push(
      ...gh.secretsIssued(),
      config.GITHUB_CLIENT_SECRET,
      config.GITHUB_WEBHOOK_SECRET,
      config.LINEAR_WEBHOOK_SECRET,
      config.JIRA_CLIENT_SECRET,
      config.SESSION_SECRET,
      ...config.TOKEN_ENCRYPTION_KEYS.map((k) => btoa(String.fromCharCode(...k.raw))),
    );
    expect(lines.length).toBeGreaterThan(10);
    const log = lines.join("\n");
    const leaked = [...new Set(secrets)].filter((s) => s.length >= 12 && log.includes(s));
    expect(leaked).toEqual([]);
  });
});
