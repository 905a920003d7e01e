/** Workspaces and roles, tenant isolation, API tokens, invites, pages and erasure, inside workerd with real D1. */
import { describe, expect, it } from "vitest";
import { createWorkspace } from "../../src/db/workspaces";
import { sha256Hex } from "../../src/security/ids";
import { createHarness, errorCode, type Client, type Harness } from "./auth-harness";

const uniq = () => crypto.randomUUID().slice(0, 8);

async function signedIn(h: Harness, name: string): Promise<{ c: Client; ws: string }> {
  const c = h.client();
  const loc = await c.signIn(h.tracker, { id: `gh-${uniq()}`, name });
  return { c, ws: loc.slice(3) };
}

async function mintToken(c: Client, ws: string, scope: "read" | "write"): Promise<string> {
  const res = await c.request(`/w/${ws}/tokens`, { form: { name: `${scope} token`, scope } });
  expect(res.status).toBe(200);
  const m = /data-testid="new-token">(ba_[A-Za-z0-9_-]+)</.exec(await res.text());
  return m![1]!;
}

async function invite(c: Client, ws: string, role: "admin" | "member"): Promise<string> {
  const res = await c.request(`/w/${ws}/invites`, { form: { role } });
  expect(res.status).toBe(200);
  const link = /data-testid="invite-link">([^<]+)</.exec(await res.text())![1]!;
  return new URL(link).pathname;
}

/** Every route this layer adds under a workspace, as [method, path, form]. */
const ROUTES = (ws: string, victimUser = "usr_x", tokenId = "tok_x"): Array<[string, string, Record<string, string>?]> => [
  ["GET", `/w/${ws}/members`],
  ["POST", `/w/${ws}/invites`, { role: "admin" }],
  ["POST", `/w/${ws}/members/${victimUser}/remove`, {}],
  ["GET", `/w/${ws}/tokens`],
  ["POST", `/w/${ws}/tokens`, { name: "x", scope: "write" }],
  ["POST", `/w/${ws}/tokens/${tokenId}/revoke`, {}],
  ["POST", `/w/${ws}/delete`, { confirm: "whatever" }],
  ["GET", `/api/v1/workspaces/${ws}/export`],
];

describe("tenant isolation", () => {
  it("answers 404 on every route for another tenant's workspace, exactly as for one that does not exist", async () => {
    const h = createHarness();
    const a = await signedIn(h, "alice");
    const b = await signedIn(h, "mallory");
    const aliceToken = await mintToken(a.c, a.ws, "write");
    const aliceTokenId = (await h.env.DB.prepare("SELECT id FROM api_tokens WHERE workspace_id = ?").bind(a.ws).first<{ id: string }>())!.id;
    const aliceUser = (await h.env.DB.prepare("SELECT user_id FROM workspace_members WHERE workspace_id = ?").bind(a.ws).first<{ user_id: string }>())!.user_id;
    for (const ws of [a.ws, "ws_doesnotexist"]) {
      for (const [method, path, form] of ROUTES(ws, aliceUser, aliceTokenId)) {
        const res = await b.c.request(path, { method, form });
        expect([method, path, res.status, await errorCode(res)]).toEqual([method, path, 404, "not_found"]);
      }
    }
    // Mallory's write token on Alice's workspace: 404 too.
    const malloryToken = await mintToken(b.c, b.ws, "write");
    const res = await h.client().request(`/api/v1/workspaces/${a.ws}/export`, { bearer: malloryToken });
    expect(res.status).toBe(404);
    // Nothing changed on Alice's side.
    const live = await h.env.DB.prepare("SELECT COUNT(*) AS n FROM api_tokens WHERE workspace_id = ? AND revoked_at IS NULL").bind(a.ws).first<{ n: number }>();
    expect(live?.n).toBe(1);
    expect(await h.env.DB.prepare("SELECT 1 FROM workspaces WHERE id = ?").bind(a.ws).first()).not.toBeNull();
    expect((await h.client().request(`/api/v1/workspaces/${a.ws}/export`, { bearer: aliceToken })).status).toBe(200);
  });

  it("lets a member read but not administer (403 forbidden: they know it exists)", async () => {
    const h = createHarness();
    const a = await signedIn(h, "admin");
    const path = await invite(a.c, a.ws, "member");
    const m = await signedIn(h, "member");
    expect((await m.c.request(path, { form: {} })).status).toBe(303);
    const members = await m.c.request(`/w/${a.ws}/members`);
    expect(members.status).toBe(200);
    const html = await members.text();
    expect(html).toContain("member (");
    expect(html).not.toContain("Create invite link");
    for (const [method, p, form] of ROUTES(a.ws).filter(([, p]) => !p.endsWith("/members"))) {
      const res = await m.c.request(p, { method, form });
      expect([method, p, res.status, await errorCode(res)]).toEqual([method, p, 403, "forbidden"]);
    }
  });

  it("never removes the last admin", async () => {
    const h = createHarness();
    const a = await signedIn(h, "solo");
    const me = (await h.env.DB.prepare("SELECT user_id FROM workspace_members WHERE workspace_id = ?").bind(a.ws).first<{ user_id: string }>())!.user_id;
    const res = await a.c.request(`/w/${a.ws}/members/${me}/remove`, { form: {} });
    expect(res.status).toBe(400);
    expect(await h.env.DB.prepare("SELECT role FROM workspace_members WHERE workspace_id = ? AND user_id = ?").bind(a.ws, me).first()).toEqual({
      role: "admin",
    });
  });
});

describe("API tokens", () => {
  it("are shown once, stored hashed, scoped, and dead once revoked", async () => {
    const h = createHarness();
    const a = await signedIn(h, "tok");
    const read = await mintToken(a.c, a.ws, "read");
    expect(read).toMatch(/^ba_[A-Za-z0-9_-]{43}$/);
    const rows = await h.env.DB.prepare("SELECT * FROM api_tokens WHERE workspace_id = ?").bind(a.ws).all<Record<string, unknown>>();
    expect(rows.results).toHaveLength(1);
    expect(JSON.stringify(rows.results)).not.toContain(read);
    expect(rows.results[0]!.token_hash).toBe(await sha256Hex(read));
    expect(await (await a.c.request(`/w/${a.ws}/tokens`)).text()).not.toContain(read);

    const api = h.client();
    expect((await api.request("/api/v1/me", { bearer: read })).status).toBe(200);
    const post = await api.request(`/api/v1/workspaces/${a.ws}/export`, { method: "POST", bearer: read });
    expect([post.status, await errorCode(post)]).toEqual([403, "forbidden"]);
    // A read token is a member: the admin-only export is 403, not 200.
    expect((await api.request(`/api/v1/workspaces/${a.ws}/export`, { bearer: read })).status).toBe(403);
    const write = await mintToken(a.c, a.ws, "write");
    expect((await api.request(`/api/v1/workspaces/${a.ws}/export`, { bearer: write })).status).toBe(200);
    // Bearer requests carry no ambient authority: no CSRF token needed (404 here = passed auth and CSRF, no such route).
    expect((await api.request(`/api/v1/workspaces/${a.ws}/nothing`, { method: "POST", bearer: write, json: {} })).status).toBe(404);

    const id = (await h.env.DB.prepare("SELECT id FROM api_tokens WHERE token_hash = ?")
      .bind(await sha256Hex(read))
      .first<{ id: string }>())!.id;
    expect((await a.c.request(`/w/${a.ws}/tokens/${id}/revoke`, { form: {} })).status).toBe(303);
    for (const bearer of [read, "ba_" + "x".repeat(43), "not-a-token"]) {
      const res = await api.request("/api/v1/me", { bearer });
      expect([res.status, await errorCode(res)]).toEqual([401, "unauthorized"]);
    }
  });

  it("record last use at most once a minute", async () => {
    const h = createHarness();
    const a = await signedIn(h, "lu");
    const t = await mintToken(a.c, a.ws, "read");
    const lastUsed = async () =>
      (await h.env.DB.prepare("SELECT last_used_at FROM api_tokens WHERE token_hash = ?")
        .bind(await sha256Hex(t))
        .first<{ last_used_at: string | null }>())!.last_used_at;
    expect(await lastUsed()).toBeNull();
    await h.client().request("/api/v1/me", { bearer: t });
    const first = await lastUsed();
    expect(first).toBe(new Date(h.clock.now).toISOString());
    h.clock.now += 30_000;
    await h.client().request("/api/v1/me", { bearer: t });
    expect(await lastUsed()).toBe(first);
    h.clock.now += 31_000;
    await h.client().request("/api/v1/me", { bearer: t });
    expect(await lastUsed()).toBe(new Date(h.clock.now).toISOString());
  });
});

describe("invites", () => {
  it("send a signed-out visitor to sign in first, then join with the role, once", async () => {
    const h = createHarness();
    const a = await signedIn(h, "owner");
    const path = await invite(a.c, a.ws, "admin");
    const visitor = h.client();
    const first = await visitor.request(path);
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe(`/signin?next=${encodeURIComponent(path)}`);
    const back = await visitor.signIn(h.tracker, { id: `gh-${uniq()}`, name: "newbie" }, path);
    expect(back).toBe(path);
    const confirm = await visitor.request(path);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("owner&#39;s workspace");
    const join = await visitor.request(path, { form: {} });
    expect(join.headers.get("location")).toBe(`/w/${a.ws}`);
    expect((await visitor.request(`/w/${a.ws}/tokens`)).status).toBe(200);
    // Single use.
    const other = await signedIn(h, "latecomer");
    expect((await other.c.request(path)).status).toBe(410);
    const reuse = await other.c.request(path, { form: {} });
    expect([reuse.status, await errorCode(reuse)]).toEqual([404, "not_found"]);
    expect((await other.c.request(`/w/${a.ws}/members`)).status).toBe(404);
    // The secret is not in D1.
    expect(await h.env.DB.prepare("SELECT 1 FROM invites WHERE id = ?").bind(path.split("/").pop()).first()).toBeNull();
  });

  it("expire after 7 days", async () => {
    const h = createHarness();
    const a = await signedIn(h, "owner2");
    const path = await invite(a.c, a.ws, "member");
    const late = await signedIn(h, "slow");
    h.clock.now += 7 * 24 * 3600_000 + 1000;
    await late.c.refreshCsrf();
    expect((await late.c.request(path)).status).toBe(410);
    const res = await late.c.request(path, { form: {} });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
    expect((await late.c.request(`/w/${a.ws}/members`)).status).toBe(404);
  });
});

describe("pages", () => {
  it("render a hostile workspace or user name as text, with the CSP nonce on the only style", async () => {
    const h = createHarness();
    const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
    const a = await signedIn(h, xss);
    await h.env.DB.prepare("UPDATE workspaces SET name = ? WHERE id = ?").bind(xss, a.ws).run();
    for (const p of ["members", "tokens"]) {
      const res = await a.c.request(`/w/${a.ws}/${p}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toContain("<script>alert(1)");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      const nonce = /style-src 'self' 'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")![1];
      expect(html).toContain(`<style nonce="${nonce}"`);
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain(`name="_csrf" value="${a.c.csrfToken}"`);
    }
    const signin = await h.client().request(`/signin?next=${encodeURIComponent('/"><script>x</script>')}`);
    expect(await signin.text()).not.toContain("<script>x");
  });
});

describe("demo mode", () => {
  it("opens only the demo workspace without sign-in, and only when DEMO_MODE=1", async () => {
    const on = createHarness({ demo: true });
    const demo = await createWorkspace(on.env.DB, { name: `demo-${uniq()}`, isDemo: true });
    const other = await createWorkspace(on.env.DB, { name: "private" });
    const anon = on.client();
    expect((await anon.request(`/w/${demo.id}/members`)).status).toBe(200);
    expect((await anon.request(`/w/${demo.id}/tokens`)).status).toBe(200);
    expect((await anon.request(`/w/${other.id}/members`)).status).toBe(302);
    expect((await anon.request(`/api/v1/workspaces/${other.id}/export`)).status).toBe(401);
    const off = createHarness({ demo: false });
    expect((await off.client().request(`/w/${demo.id}/members`)).status).toBe(302);
    expect((await off.client().request(`/api/v1/workspaces/${demo.id}/export`)).status).toBe(401);
    const stranger = await signedIn(off, "stranger");
    expect((await stranger.c.request(`/w/${demo.id}/members`)).status).toBe(404);
  });
});

describe("erasure", () => {
  it("exports the workspace's data, then deletes it only when the name is typed", async () => {
    const h = createHarness();
    const a = await signedIn(h, "eraser");
    const b = await signedIn(h, "bystander");
    const now = new Date().toISOString();
    const db = h.env.DB;
    for (const [ws, tag] of [
      [a.ws, "a"],
      [b.ws, "b"],
    ] as const) {
      await db.batch([
        db
          .prepare(
            "INSERT INTO connections (id, workspace_id, tracker, status, access_token_enc, created_at, updated_at) VALUES (?, ?, 'github', 'active', 'v1.k.secret', ?, ?)",
          )
          .bind(`conn_${tag}${ws}`, ws, now, now),
        db
          .prepare(
            "INSERT INTO issues (id, workspace_id, connection_id, scope_id, tracker, external_id, key, title, labels, state, state_category, created_at, updated_at, content_hash, synced_at) VALUES (?, ?, ?, 'o/r', 'github', '1', '#1', ?, '[\"bug\"]', 'open', 'todo', ?, ?, 'h', ?)",
          )
          .bind(`iss_${tag}${ws}`, ws, `conn_${tag}${ws}`, `issue of ${tag}`, now, now, now),
        db
          .prepare(
            "INSERT INTO audit_runs (id, workspace_id, created_at, trigger, issue_count, summary, report) VALUES (?, ?, ?, 'manual', 1, '{\"n\":1}', '{}')",
          )
          .bind(`run_${tag}${ws}`, ws, now),
      ]);
    }
    const exp = await a.c.request(`/api/v1/workspaces/${a.ws}/export`);
    expect(exp.headers.get("content-disposition")).toContain("attachment");
    const doc = (await exp.json()) as {
      workspace: { id: string };
      issues: Array<{ title: string; labels: string[] }>;
      audits: Array<{ summary: unknown }>;
      connections: Array<Record<string, unknown>>;
    };
    expect(doc.workspace.id).toBe(a.ws);
    expect(doc.issues.map((i) => i.title)).toEqual(["issue of a"]);
    expect(doc.issues[0]!.labels).toEqual(["bug"]);
    expect(doc.audits[0]!.summary).toEqual({ n: 1 });
    expect(JSON.stringify(doc.connections)).not.toContain("secret");

    const wrong = await a.c.request(`/w/${a.ws}/delete`, { form: { confirm: "nope" } });
    expect(wrong.status).toBe(400);
    expect(await db.prepare("SELECT 1 FROM workspaces WHERE id = ?").bind(a.ws).first()).not.toBeNull();
    const ok = await a.c.request(`/w/${a.ws}/delete`, { form: { confirm: "eraser's workspace" } });
    expect(ok.status).toBe(303);
    expect(await db.prepare("SELECT 1 FROM workspaces WHERE id = ?").bind(a.ws).first()).toBeNull();
    expect(await db.prepare("SELECT COUNT(*) AS n FROM issues WHERE workspace_id = ?").bind(a.ws).first()).toEqual({ n: 0 });
    expect(await db.prepare("SELECT COUNT(*) AS n FROM issues WHERE workspace_id = ?").bind(b.ws).first()).toEqual({ n: 1 });
    expect((await a.c.request(`/w/${a.ws}/members`)).status).toBe(404);
  });
});
