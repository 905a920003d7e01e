/** Sign-in, OAuth state, sessions, CSRF and rate limits, inside workerd with real D1. */
import { describe, expect, it } from "vitest";
import { consumeOAuthState, createOAuthState } from "../../src/auth/oauth-state";
import { getConfig } from "../../src/env";
import { AppError } from "../../src/errors";
import { sha256Hex } from "../../src/security/ids";
import { baseEnv, createHarness, errorCode } from "./auth-harness";

const keys = () => getConfig(baseEnv).TOKEN_ENCRYPTION_KEYS;
const uniq = () => crypto.randomUUID().slice(0, 8);

describe("sign-in through a tracker identity", () => {
  it("creates the user, a workspace with them as admin, a session, and stores no tracker token", async () => {
    const h = createHarness();
    const alice = h.client();
    const id = `gh-${uniq()}`;
    const loc = await alice.signIn(h.tracker, { id, name: "alice" });
    expect(loc).toMatch(/^\/w\/ws_[a-z0-9]+$/);
    const wsId = loc.slice(3);
    const user = await h.env.DB.prepare("SELECT id, login FROM users WHERE tracker = 'github' AND external_id = ?")
      .bind(id)
      .first<{ id: string; login: string }>();
    expect(user?.login).toBe("alice");
    const ws = await h.env.DB.prepare(
      "SELECT w.name, m.role FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id WHERE w.id = ? AND m.user_id = ?",
    )
      .bind(wsId, user!.id)
      .first<{ name: string; role: string }>();
    expect(ws).toEqual({ name: "alice's workspace", role: "admin" });
    const conns = await h.env.DB.prepare("SELECT COUNT(*) AS n FROM connections WHERE workspace_id = ?").bind(wsId).first<{ n: number }>();
    expect(conns?.n).toBe(0);
    const me = await alice.request("/api/v1/me");
    expect(((await me.json()) as { user: { login: string } }).user.login).toBe("alice");
  });

  it("signs a returning user into the same account and workspace, and honours a safe `next`", async () => {
    const h = createHarness();
    const id = `gh-${uniq()}`;
    const first = await h.client().signIn(h.tracker, { id, name: "bob" });
    expect(await h.client().signIn(h.tracker, { id, name: "bob" })).toBe(first);
    expect(await h.client().signIn(h.tracker, { id, name: "bob" }, "/w/x/members?tab=1")).toBe("/w/x/members?tab=1");
    for (const evil of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      expect(await h.client().signIn(h.tracker, { id, name: "bob" }, evil)).toBe(first);
    }
  });

  it("sends PKCE S256 and a state that D1 stores only hashed", async () => {
    const h = createHarness();
    const res = await h.client().request("/signin/linear");
    const u = new URL(res.headers.get("location")!);
    expect(u.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get("redirect_uri")).toBe("http://localhost/auth/linear/callback");
    const state = u.searchParams.get("state")!;
    const row = await h.env.DB.prepare("SELECT state, code_verifier, purpose FROM oauth_states WHERE state = ?")
      .bind(await sha256Hex(state))
      .first<{ state: string; code_verifier: string; purpose: string }>();
    expect(row?.purpose).toBe("signin");
    expect(row?.code_verifier).toMatch(/^v1\./);
    expect(await h.env.DB.prepare("SELECT 1 FROM oauth_states WHERE state = ?").bind(state).first()).toBeNull();
  });
});

describe("OAuth state is refused when", () => {
  it.each([
    ["reused", "already used"],
    ["expired", "expired"],
    ["mismatched", "another browser"],
  ])("%s", async (kind, message) => {
    const h = createHarness();
    const victim = h.client();
    const start = await victim.request("/signin/github");
    const callback = h.tracker.approve(start.headers.get("location")!, { id: `gh-${uniq()}`, name: "v" });
    let res: Response;
    if (kind === "reused") {
      expect((await victim.request(callback)).status).toBe(302);
      res = await h.client().request(callback, { headers: { cookie: "" } });
      // Also from the same browser with the binding cookie restored.
      const again = await victim.request(callback);
      expect(await errorCode(again)).toBe("oauth_state_invalid");
    } else if (kind === "expired") {
      h.clock.now += 11 * 60_000;
      res = await victim.request(callback);
    } else {
      // Login CSRF: the attacker's callback URL completed in another browser.
      res = await h.client().request(callback);
    }
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("oauth_state_invalid");
    expect(body.error.message).toContain(message);
    expect(res.headers.getSetCookie().some((c) => /^ba_session=[^;]/.test(c))).toBe(false);
  });

  it("bound to another session, for another tracker, or absent (library level)", async () => {
    const db = baseEnv.DB;
    const mk = () =>
      createOAuthState(db, { sessionId: "sess-A", workspaceId: "ws-1", tracker: "jira", purpose: "connect", redirectTo: "/w/ws-1", keys: keys() });
    const a = await mk();
    await expect(consumeOAuthState(db, a.state, "sess-B", "jira", { keys: keys() })).rejects.toMatchObject({
      code: "oauth_state_invalid",
      details: { reason: "mismatched_session" },
    });
    // Refused states are burnt.
    await expect(consumeOAuthState(db, a.state, "sess-A", "jira", { keys: keys() })).rejects.toMatchObject({ details: { reason: "reused_or_unknown" } });
    const b = await mk();
    await expect(consumeOAuthState(db, b.state, "sess-A", "github", { keys: keys() })).rejects.toMatchObject({ details: { reason: "mismatched_tracker" } });
    await expect(consumeOAuthState(db, undefined, "sess-A", "jira", { keys: keys() })).rejects.toBeInstanceOf(AppError);
    const c = await mk();
    const ok = await consumeOAuthState(db, c.state, "sess-A", "jira", { keys: keys() });
    expect(ok).toMatchObject({ workspaceId: "ws-1", purpose: "connect", redirectTo: "/w/ws-1", sessionId: "sess-A" });
    const { pkceChallenge } = await import("../../src/auth/oauth-state");
    expect(await pkceChallenge(ok.codeVerifier)).toBe(c.codeChallenge);
  });

  it("only one of two concurrent consumers gets the state", async () => {
    const db = baseEnv.DB;
    const s = await createOAuthState(db, { sessionId: "s", tracker: "github", purpose: "connect", keys: keys() });
    const results = await Promise.allSettled([1, 2, 3].map(() => consumeOAuthState(db, s.state, "s", "github", { keys: keys() })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });
});

describe("connect flows on the shared callback URL", () => {
  it("reach onConnect only from the session that started them", async () => {
    const seen: Array<{ workspaceId: string | null; code: string; verifier: boolean }> = [];
    const h = createHarness({
      onConnect: async (c, p) => {
        seen.push({ workspaceId: p.record.workspaceId, code: p.code, verifier: p.record.codeVerifier.length > 40 });
        return c.redirect(`/w/${p.record.workspaceId}/connections`, 303);
      },
    });
    const owner = h.client();
    const ws = (await owner.signIn(h.tracker, { id: `gh-${uniq()}`, name: "conn" })).slice(3);
    const me = (await h.env.DB.prepare("SELECT id FROM sessions s WHERE s.user_id = (SELECT user_id FROM workspace_members WHERE workspace_id = ?)")
      .bind(ws)
      .first<{ id: string }>())!.id;
    const mk = () => createOAuthState(h.env.DB, { sessionId: me, workspaceId: ws, tracker: "github", purpose: "connect", keys: keys(), now: h.clock.now });
    const other = h.client();
    await other.signIn(h.tracker, { id: `gh-${uniq()}`, name: "intruder" });
    const stolen = await mk();
    const refused = await other.request(`/auth/github/callback?code=c1&state=${stolen.state}`);
    expect([refused.status, await errorCode(refused)]).toEqual([400, "oauth_state_invalid"]);
    const s = await mk();
    const ok = await owner.request(`/auth/github/callback?code=c2&state=${s.state}`);
    expect(ok.status).toBe(303);
    expect(seen).toEqual([{ workspaceId: ws, code: "c2", verifier: true }]);
    // Without a connect handler, a connect state is not a sign-in.
    const plain = createHarness();
    const s2 = await createOAuthState(plain.env.DB, { sessionId: null, tracker: "github", purpose: "connect", keys: keys() });
    const res = await plain.client().request(`/auth/github/callback?code=c3&state=${s2.state}`);
    expect(await errorCode(res)).toBe("oauth_state_invalid");
  });
});

describe("session cookie", () => {
  it.each([
    [false, "ba_session", false],
    [true, "__Host-ba_session", true],
  ])("https=%s → %s, HttpOnly, SameSite=Lax, Path=/, Secure=%s", async (https, name, secure) => {
    const h = createHarness({ https });
    const c = h.client();
    const start = await c.request("/signin/github");
    const res = await c.request(h.tracker.approve(start.headers.get("location")!, { id: `gh-${uniq()}`, name: "c" }));
    const cookie = res.headers.getSetCookie().find((s) => s.startsWith(`${name}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(/;\s*Secure/i.test(cookie!)).toBe(secure);
    // D1 holds the hash of the cookie secret, never the secret.
    const secret = cookie!.split(";")[0]!.slice(name.length + 1);
    expect(await h.env.DB.prepare("SELECT 1 FROM sessions WHERE id = ?").bind(secret).first()).toBeNull();
    expect(
      await h.env.DB.prepare("SELECT 1 FROM sessions WHERE id = ?")
        .bind(await sha256Hex(secret))
        .first(),
    ).not.toBeNull();
  });

  it("slides once a day and expires after 14 idle days", async () => {
    const h = createHarness();
    const c = h.client();
    await c.signIn(h.tracker, { id: `gh-${uniq()}`, name: "d" });
    h.clock.now += 3600_000;
    expect((await c.request("/api/v1/me")).headers.getSetCookie()).toEqual([]);
    h.clock.now += 2 * 24 * 3600_000;
    const slid = await c.request("/api/v1/me");
    expect(slid.headers.getSetCookie().some((s) => s.startsWith("ba_session="))).toBe(true);
    h.clock.now += 15 * 24 * 3600_000;
    const dead = await c.request("/api/v1/me");
    expect(dead.status).toBe(401);
  });

  it("sign-out needs the CSRF token, deletes the session server-side and clears the cookie", async () => {
    const h = createHarness();
    const c = h.client();
    await c.signIn(h.tracker, { id: `gh-${uniq()}`, name: "e" });
    const stolen = c.cookies.get("ba_session")!;
    expect((await c.request("/signout", { form: {}, csrf: false })).status).toBe(403);
    const out = await c.request("/signout", { form: {} });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().find((s) => s.startsWith("ba_session="))).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect(
      await h.env.DB.prepare("SELECT 1 FROM sessions WHERE id = ?")
        .bind(await sha256Hex(stolen))
        .first(),
    ).toBeNull();
    const replay = await h.client().request("/api/v1/me", { headers: { cookie: `ba_session=${stolen}` } });
    expect(replay.status).toBe(401);
  });

  it("pages redirect to sign-in with `next`; the API answers 401 JSON", async () => {
    const h = createHarness();
    const page = await h.client().request("/w/ws_nope/members?x=1");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/signin?next=${encodeURIComponent("/w/ws_nope/members?x=1")}`);
    const api = await h.client().request("/api/v1/me");
    expect(api.status).toBe(401);
    expect(await errorCode(api)).toBe("unauthorized");
  });
});

describe("CSRF", () => {
  it("refuses a state-changing form without the token and accepts it with the field or the header", async () => {
    const h = createHarness();
    const c = h.client();
    const ws = (await c.signIn(h.tracker, { id: `gh-${uniq()}`, name: "f" })).slice(3);
    const none = await c.request(`/w/${ws}/tokens`, { form: { name: "t", scope: "read" }, csrf: false });
    expect(none.status).toBe(403);
    expect(await errorCode(none)).toBe("csrf_failed");
    const wrong = await c.request(`/w/${ws}/tokens`, { form: { name: "t", scope: "read", _csrf: "x".repeat(32) } });
    expect(await errorCode(wrong)).toBe("csrf_failed");
    expect((await c.request(`/w/${ws}/tokens`, { form: { name: "t", scope: "read" } })).status).toBe(200);
    expect((await c.request(`/w/${ws}/tokens`, { form: { name: "t2", scope: "read" }, csrf: false, headers: { "x-csrf-token": c.csrfToken! } })).status).toBe(
      200,
    );
    const count = await h.env.DB.prepare("SELECT COUNT(*) AS n FROM api_tokens WHERE workspace_id = ?").bind(ws).first<{ n: number }>();
    expect(count?.n).toBe(2);
  });

  it("refuses a cross-site request even with the token", async () => {
    const h = createHarness();
    const c = h.client();
    const ws = (await c.signIn(h.tracker, { id: `gh-${uniq()}`, name: "g" })).slice(3);
    for (const headers of [{ origin: "https://evil.example" }, { "sec-fetch-site": "cross-site" }] as Array<Record<string, string>>) {
      const res = await c.request(`/w/${ws}/tokens`, { form: { name: "t", scope: "read" }, headers });
      expect(await errorCode(res)).toBe("csrf_failed");
    }
    expect(
      (await c.request(`/w/${ws}/tokens`, { form: { name: "t", scope: "read" }, headers: { origin: "http://localhost", "sec-fetch-site": "same-origin" } }))
        .status,
    ).toBe(200);
  });

  it("exempts webhooks", async () => {
    const h = createHarness();
    expect((await h.client().request("/webhooks/test", { json: {} })).status).toBe(200);
  });
});

describe("rate limits", () => {
  it.each([
    ["sign-in", "/signin/github"],
    ["API", "/api/v1/me"],
    ["webhooks", "/webhooks/test"],
  ])("%s answers 429 rate_limited with retry-after once over the limit", async (_name, path) => {
    const h = createHarness({ rateLimit: 3 });
    const c = h.client();
    const init = path.startsWith("/webhooks") ? { json: {} } : {};
    for (let i = 0; i < 3; i++) expect((await c.request(path, init)).status).not.toBe(429);
    const res = await c.request(path, init);
    expect(res.status).toBe(429);
    expect(await errorCode(res)).toBe("rate_limited");
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    h.clock.now += 61_000;
    expect((await c.request(path, init)).status).not.toBe(429);
  });
});

describe("the Workers Rate Limiting binding", () => {
  const binding = (baseEnv as unknown as Record<string, unknown>)["RL_SIGNIN"];
  // wrangler.toml declares [[ratelimits]] RL_SIGNIN (limit 20 / 60 s); miniflare simulates it locally.
  it("is declared in wrangler.toml and used", async () => {
    expect(binding, "RL_SIGNIN binding").toBeDefined();
    const { Hono } = await import("hono");
    const { rateLimit } = await import("../../src/auth/rate-limit");
    const { onError } = await import("../../src/middleware/errors");
    const app = new Hono<import("../../src/app-env").AppEnv>();
    const key = `probe-${uniq()}`;
    app.use("*", rateLimit({ name: "probe", binding: "RL_SIGNIN", limit: 1_000_000, periodSeconds: 60, key: () => key }));
    app.get("/", (c) => c.text("ok"));
    app.onError(onError);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await app.request("/", {}, baseEnv)).status);
    expect(statuses).toContain(429);
  });
});
