/**
 * Tenant isolation on every route the app mounts. The routes come from the
 * real app (`createApp().routes`), so a new `/w/:workspaceId/…` or
 * `/api/v1/workspaces/:workspaceId/…` route is covered the day it is mounted;
 * an unknown path parameter fails the suite until this file learns a value for it.
 *
 * - A signed-in admin of workspace A gets 404 (never 403, never 200) for each
 *   of B's routes, reads and writes, with a valid CSRF token and a body that
 *   would do damage if it got through (e.g. the delete form confirms B's name).
 * - A's write API token gets 404 on each of B's API routes.
 * - B's object ids (connection, audit, run, issue, member, token) used under
 *   A's own workspace id are 404 too.
 * - B's rows are byte-for-byte unchanged afterwards, and B's own GETs are not
 *   404 (so the 404s above are not vacuous).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { Browser, dumpDatabase, errorCode, seedTenant, testEnv, type Tenant, type TenantIds } from "./security/harness";
import { sha256Hex } from "../../src/security/ids";

type RouteKey = { method: string; path: string };

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** Every concrete (non-middleware) route of the real app. */
function appRoutes(): RouteKey[] {
  const seen = new Set<string>();
  const out: RouteKey[] = [];
  for (const r of createApp().routes) {
    const method = r.method.toUpperCase();
    if (!METHODS.has(method) || r.path.includes("*")) continue;
    const k = `${method} ${r.path}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ method, path: r.path });
  }
  return out;
}

const tenantRoutes = () => appRoutes().filter((r) => r.path.includes(":workspaceId"));

/** Path parameters that name a tenant's object, and the id of B's object for each. */
const OBJECT_PARAMS: Record<string, keyof TenantIds> = {
  connectionId: "connectionId",
  auditId: "auditId",
  runId: "runId",
  issueId: "issueId",
  userId: "userId",
  tokenId: "tokenId",
  failureId: "failureId",
};
/** Parameters that are not tenant data. */
const PLAIN_PARAMS: Record<string, string> = { tracker: "github" };

function paramsOf(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g)].map((m) => m[1]!);
}

function fill(path: string, workspaceId: string, objects: TenantIds): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, (_m, name: string) => {
    if (name === "workspaceId") return encodeURIComponent(workspaceId);
    const obj = OBJECT_PARAMS[name];
    if (obj) return encodeURIComponent(objects[obj]);
    const plain = PLAIN_PARAMS[name];
    if (plain) return plain;
    throw new Error(`route ${path} has a parameter :${name} this suite does not know: add it to OBJECT_PARAMS or PLAIN_PARAMS`);
  });
}

/** A body that would change B's data if it got through: the delete form even confirms B's name. */
function hostileBody(route: RouteKey, b: Tenant): { form?: Record<string, string>; json?: unknown } {
  if (route.method === "GET") return {};
  // Valid bodies, so a refusal comes from the access check and not from validation.
  if (route.path.endsWith("/rules/preview")) return { json: { source: "version: 1\nrules: []\n" } };
  if (route.path.endsWith("/review/:issueId") && route.path.startsWith("/api/")) return { json: { answer: "none" } };
  if (route.path.endsWith("/learning")) return { json: { targetPrecision: 0.9 } };
  if (route.path.endsWith("/mappings/accept") && route.path.startsWith("/api/")) return { json: { kind: "label", value: "stolen" } };
  if (route.path.startsWith("/api/")) return { json: { writeMode: "off", commentsEnabled: false } };
  return {
    form: {
      confirm: b.name,
      role: "admin",
      name: "stolen",
      scope: "write",
      writeMode: "off",
      source: "version: 1\nrules: []\n",
      commentsEnabled: "on",
      answer: "none",
      targetPrecision: "90",
      kind: "label",
      value: "stolen",
    },
  };
}

async function tenantSnapshot(workspaceId: string): Promise<string> {
  const { results } = await testEnv.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
  ).all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of results) {
    const cols = (await testEnv.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>()).results.map((c) => c.name);
    const col = name === "workspaces" ? "id" : cols.includes("workspace_id") ? "workspace_id" : null;
    if (!col) continue;
    const rows = await testEnv.DB.prepare(`SELECT * FROM "${name}" WHERE "${col}" = ? ORDER BY rowid`).bind(workspaceId).all();
    parts.push(`${name}:${JSON.stringify(rows.results)}`);
  }
  return parts.join("\n");
}

describe("cross-tenant isolation on every mounted route", () => {
  let a: Tenant;
  let b: Tenant;
  let routes: RouteKey[];

  beforeAll(async () => {
    a = await seedTenant({ name: "Tenant A" });
    b = await seedTenant({ name: "Tenant B", titles: ["B-secret: payroll export leaks", "B-secret: churn dashboard"] });
    routes = tenantRoutes();
  });

  it("enumerates the tenant routes from the app and knows every parameter they take", () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    // The core of each route family must be there, or the enumeration is broken.
    for (const p of [
      "GET /w/:workspaceId/report",
      "GET /w/:workspaceId/members",
      "GET /api/v1/workspaces/:workspaceId/audits/latest",
      "GET /api/v1/workspaces/:workspaceId/ledger",
      "GET /w/:workspaceId/settings",
      "POST /w/:workspaceId/writeback/:connectionId/run",
    ]) {
      expect(paths).toContain(p);
    }
    for (const r of routes)
      for (const p of paramsOf(r.path))
        expect(p === "workspaceId" || p in OBJECT_PARAMS || p in PLAIN_PARAMS, `unknown :${p} in ${r.method} ${r.path}`).toBe(true);
    expect(routes.length).toBeGreaterThan(20);
    console.info(`tenant routes: ${routes.length} (${routes.filter((r) => r.method !== "GET").length} state-changing)`);
  });

  it("B's own GET routes answer (not 404), so the 404s below are not vacuous", async () => {
    const misses: string[] = [];
    for (const r of routes.filter((x) => x.method === "GET")) {
      const res = await b.browser.request(fill(r.path, b.ids.workspaceId, b.ids));
      if (res.status === 404) misses.push(`${r.method} ${r.path} → 404 ${await res.text().then((t) => t.slice(0, 120))}`);
    }
    expect(misses).toEqual([]);
  });

  it("a signed-in admin of A gets 404 on each of B's routes, reads and writes, and B's data is untouched", async () => {
    const before = await tenantSnapshot(b.ids.workspaceId);
    const exercised = new Set<string>();
    const wrong: string[] = [];
    for (const r of routes) {
      const res = await a.browser.request(fill(r.path, b.ids.workspaceId, b.ids), { method: r.method, ...hostileBody(r, b) });
      exercised.add(`${r.method} ${r.path}`);
      const text = await res.text();
      if (res.status !== 404) wrong.push(`${r.method} ${r.path} → ${res.status} ${text.slice(0, 160)}`);
      else if (text.includes("B-secret") || text.includes(b.trackerTokens.access)) wrong.push(`${r.method} ${r.path} → 404 that leaks B's data`);
    }
    expect(wrong).toEqual([]);
    expect([...exercised].sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    expect(await tenantSnapshot(b.ids.workspaceId)).toBe(before);
  });

  it("A's write API token gets 404 on each of B's API routes", async () => {
    const before = await tenantSnapshot(b.ids.workspaceId);
    const wrong: string[] = [];
    const bearer = new Browser();
    for (const r of routes.filter((x) => x.path.startsWith("/api/"))) {
      const res = await bearer.request(fill(r.path, b.ids.workspaceId, b.ids), { method: r.method, bearer: a.apiToken, ...hostileBody(r, b) });
      if (res.status !== 404 || (await errorCode(res)) !== "not_found") wrong.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
    expect(await tenantSnapshot(b.ids.workspaceId)).toBe(before);
  });

  it("B's connection, audit, run, issue, member and token ids under A's own workspace id are 404", async () => {
    const before = await tenantSnapshot(b.ids.workspaceId);
    const withObjects = routes.filter((r) => paramsOf(r.path).some((p) => p in OBJECT_PARAMS));
    expect(withObjects.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const r of withObjects) {
      const res = await a.browser.request(fill(r.path, a.ids.workspaceId, b.ids), { method: r.method, ...hostileBody(r, b) });
      const text = await res.text();
      if (res.status !== 404) wrong.push(`${r.method} ${r.path} → ${res.status} ${text.slice(0, 160)}`);
      else if (text.includes("B-secret")) wrong.push(`${r.method} ${r.path} → 404 that leaks B's data`);
    }
    expect(wrong).toEqual([]);
    expect(await tenantSnapshot(b.ids.workspaceId)).toBe(before);
  });

  it("B's audit id in A's report query shows nothing of B", async () => {
    for (const path of [
      `/w/${a.ids.workspaceId}/report?audit=${b.ids.auditId}`,
      `/w/${a.ids.workspaceId}/report.csv?audit=${b.ids.auditId}`,
      `/w/${a.ids.workspaceId}/report.md?audit=${b.ids.auditId}`,
    ]) {
      const res = await a.browser.request(path);
      expect(await res.text(), path).not.toContain("B-secret");
    }
    const ledger = await a.browser.request(`/api/v1/workspaces/${a.ids.workspaceId}/ledger?runId=${b.ids.runId}&format=csv`);
    expect(ledger.status).toBe(200);
    expect(await ledger.text()).not.toContain(b.ids.ledgerId);
  });

  it("a member (not admin) of B gets 403 on every state-changing route except the few members may use, and on admin-only reads", async () => {
    const { signedInBrowser } = await import("./security/harness");
    const { addMember } = await import("../../src/db/workspaces");
    const m = await signedInBrowser("b-member");
    await addMember(testEnv.DB, b.ids.workspaceId, m.userId, "member");
    // Members may refresh the audit, try a rule pack without saving it and answer review questions (writing the label is admin-only);
    // everything else that writes is admin-only.
    const MEMBER_MAY = new Set([
      "POST /api/v1/workspaces/:workspaceId/audits",
      "POST /api/v1/workspaces/:workspaceId/rules/preview",
      "POST /api/v1/workspaces/:workspaceId/review/:issueId",
      "POST /w/:workspaceId/review/:issueId",
    ]);
    const ADMIN_READS = [
      "GET /w/:workspaceId/tokens",
      "GET /api/v1/workspaces/:workspaceId/export",
      "GET /w/:workspaceId/connect/:tracker",
      "GET /w/:workspaceId/connections/:connectionId/scopes",
    ];
    const before = await tenantSnapshot(b.ids.workspaceId);
    const wrong: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      const writes = r.method !== "GET";
      if ((writes && MEMBER_MAY.has(key)) || (!writes && !ADMIN_READS.includes(key))) continue;
      const res = await m.browser.request(fill(r.path, b.ids.workspaceId, b.ids), { method: r.method, ...hostileBody(r, b) });
      if (res.status !== 403 || (await errorCode(res)) !== "forbidden") wrong.push(`${key} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
    expect(await tenantSnapshot(b.ids.workspaceId)).toBe(before);
  });

  it("without a session, B's pages redirect to sign-in and B's API answers 401, whether or not the workspace exists", async () => {
    const anon = new Browser();
    for (const ws of [b.ids.workspaceId, "ws_does_not_exist"]) {
      const page = await anon.request(`/w/${ws}/report`);
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toMatch(/^\/signin\?next=/);
      const api = await anon.request(`/api/v1/workspaces/${ws}/audits/latest`);
      expect(api.status).toBe(401);
    }
  });
});

describe("export and erasure", () => {
  it("the export holds the tenant's data but no token ciphertext, token or secret hash", async () => {
    const t = await seedTenant({ name: "Export team" });
    const conn = await testEnv.DB.prepare("SELECT access_token_enc, refresh_token_enc FROM connections WHERE id = ?")
      .bind(t.ids.connectionId)
      .first<{ access_token_enc: string; refresh_token_enc: string }>();
    const res = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(text).toContain(t.titles[0]!);
    for (const secret of [
      conn!.access_token_enc,
      conn!.refresh_token_enc,
      t.trackerTokens.access,
      t.trackerTokens.refresh,
      t.apiToken,
      await sha256Hex(t.apiToken),
    ])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"/);
  });

  it("deleting a workspace leaves no row of it anywhere in D1", async () => {
    const t = await seedTenant({ name: "Erase team" });
    const conn = await testEnv.DB.prepare("SELECT access_token_enc FROM connections WHERE id = ?")
      .bind(t.ids.connectionId)
      .first<{ access_token_enc: string }>();
    const res = await t.browser.request(`/w/${t.ids.workspaceId}/delete`, { form: { confirm: "Erase team" } });
    expect(res.status).toBe(303);
    const { text } = await dumpDatabase();
    const left = text
      .split("\n")
      .filter((line) =>
        [t.ids.workspaceId, t.ids.connectionId, t.ids.auditId, t.ids.runId, t.ids.issueId, t.ids.tokenId, conn!.access_token_enc, t.titles[0]!].some((v) =>
          line.includes(v),
        ),
      );
    expect(left.map((l) => l.slice(0, 200))).toEqual([]);
    expect((await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { bearer: t.apiToken })).status).toBe(401);
  });
});
