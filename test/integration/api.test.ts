/** The JSON API against real D1: audits (trigger, latest, history), verdicts, settings, errors, OpenAPI. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createConnection, setSyncScopes } from "../../src/db/connections";
import { upsertIssues } from "../../src/db/issues";
import { createWritebackRun } from "../../src/db/ledger";
import { createWorkspace } from "../../src/db/workspaces";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { createApp } from "../../src/app";
import { IssueSchema, type IssueInput } from "../../domain/types";

const testEnv = env as unknown as Env;

async function call(path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787${path}`, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
const jsonOf = async <T>(res: Response) => (await res.json()) as T;

const base = { tracker: "linear" as const, state: "Todo", createdAt: "2026-09-01T00:00:00Z", updatedAt: "2026-11-01T00:00:00Z" };
const cycle = { kind: "cycle" as const, id: "c1", name: "Cycle 12", state: "active" as const };
const ISSUES: IssueInput[] = [
  {
    ...base,
    externalId: "1",
    key: "ENG-1",
    title: "App crashes on save when the file is large",
    labels: ["bug"],
    priority: 1,
    reactions: 14,
    iteration: cycle,
    estimate: 3,
  },
  {
    ...base,
    externalId: "2",
    key: "ENG-2",
    title: "Dashboard takes 30 seconds to load for big accounts",
    body: "Customers on the enterprise plan report timeouts; support escalation this week.",
    priority: 2,
    reactions: 9,
    estimate: 5,
  },
  {
    ...base,
    externalId: "3",
    key: "ENG-3",
    title: "Data loss: sync drops rows silently",
    labels: ["bug", "incident"],
    priority: 1,
    reactions: 20,
    estimate: 8,
  },
  { ...base, externalId: "4", key: "ENG-4", title: "Add dark mode to the settings page", iteration: cycle, estimate: 5 },
  { ...base, externalId: "5", key: "ENG-5", title: "Upgrade to React 19 and migrate the build to Vite", iteration: cycle, estimate: 8 },
  {
    ...base,
    externalId: "6",
    key: "ENG-6",
    title: "<script>alert(1)</script> onboarding checklist",
    body: "New users never finish setup",
    iteration: cycle,
    estimate: 2,
  },
];

let wsId = "";
beforeAll(async () => {
  const ws = await createWorkspace(testEnv.DB, { name: "API demo", isDemo: true });
  wsId = ws.id;
  const conn = await createConnection(testEnv.DB, {
    workspaceId: ws.id,
    tracker: "linear",
    accountId: "org",
    accountName: "Acme",
    grantedScopes: ["read"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  await setSyncScopes(testEnv.DB, ws.id, conn.id, [{ kind: "team", id: "team-1", name: "Engineering" }]);
  await upsertIssues(testEnv.DB, {
    workspaceId: ws.id,
    connectionId: conn.id,
    scopeId: "team-1",
    issues: ISSUES.map((i) => IssueSchema.parse(i)),
    now: new Date(),
  });
});

describe("audits", () => {
  it("404s before the first audit, then POST runs one (classifying first) and GET latest returns it", async () => {
    const none = await call(`/api/v1/workspaces/${wsId}/audits/latest`);
    expect(none.status).toBe(404);
    const created = await call(`/api/v1/workspaces/${wsId}/audits`, { method: "POST" });
    expect(created.status).toBe(201);
    const run = await jsonOf<{
      id: string;
      issueCount: number;
      report: { dominant: { constraint: string | null }; planned: { basis: string; count: number } };
    }>(created);
    expect(run.issueCount).toBe(ISSUES.length);
    expect(run.report.dominant.constraint).toBe("reliability");
    expect(run.report.planned.basis).toBe("estimate");
    expect(run.report.planned.count).toBe(4);
    const latest = await jsonOf<{ id: string }>(await call(`/api/v1/workspaces/${wsId}/audits/latest`));
    expect(latest.id).toBe(run.id);
    const one = await call(`/api/v1/workspaces/${wsId}/audits/${run.id}`);
    expect(one.status).toBe(200);
  });

  it("answers a client that holds the latest audit with 304, and a newer audit with 200 and a new ETag", async () => {
    const first = await call(`/api/v1/workspaces/${wsId}/audits/latest`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"aud_/);
    const again = await call(`/api/v1/workspaces/${wsId}/audits/latest`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    await call(`/api/v1/workspaces/${wsId}/audits`, { method: "POST" });
    const newer = await call(`/api/v1/workspaces/${wsId}/audits/latest`, { headers: { "if-none-match": etag } });
    expect(newer.status).toBe(200);
    expect(newer.headers.get("etag")).not.toBe(etag);
    expect(((await newer.json()) as { id: string }).id).toBe(newer.headers.get("etag")!.slice(1, -1));
  });

  it("pages history newest first with a cursor", async () => {
    await call(`/api/v1/workspaces/${wsId}/audits`, { method: "POST" });
    await call(`/api/v1/workspaces/${wsId}/audits`, { method: "POST" });
    const p1 = await jsonOf<{ items: Array<{ id: string; createdAt: string }>; nextCursor: string | null }>(
      await call(`/api/v1/workspaces/${wsId}/audits?limit=2`),
    );
    expect(p1.items).toHaveLength(2);
    expect(p1.items[0]!.createdAt >= p1.items[1]!.createdAt).toBe(true);
    expect(p1.nextCursor).not.toBeNull();
    const p2 = await jsonOf<{ items: Array<{ id: string }> }>(await call(`/api/v1/workspaces/${wsId}/audits?limit=2&cursor=${p1.nextCursor}`));
    expect(p2.items.length).toBeGreaterThan(0);
    expect(p2.items.map((i) => i.id)).not.toContain(p1.items[0]!.id);
  });

  it("pages write-back runs newest first with a cursor, ties on the start time broken by id", async () => {
    const ws = await createWorkspace(testEnv.DB, { name: "runs", isDemo: true });
    const conn = await createConnection(testEnv.DB, {
      workspaceId: ws.id,
      tracker: "linear",
      accountId: "org",
      accountName: "Acme",
      grantedScopes: ["read"],
      accessTokenEnc: null,
      refreshTokenEnc: null,
      tokenExpiresAt: null,
    });
    const made: string[] = [];
    // 25 runs over 9 distinct start times (three runs share each second).
    for (let i = 0; i < 25; i++)
      made.push(
        await createWritebackRun(testEnv.DB, {
          workspaceId: ws.id,
          connectionId: conn.id,
          auditRunId: null,
          mode: "dry-run",
          now: new Date(Date.UTC(2026, 10, 20, 10, 0, Math.floor(i / 3))),
        }),
      );
    const seen: Array<{ id: string; startedAt: string }> = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const res = await call(`/api/v1/workspaces/${ws.id}/writeback/runs?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const body = await jsonOf<{ items: Array<{ id: string; startedAt: string }>; nextCursor: string | null }>(res);
      sizes.push(body.items.length);
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([10, 10, 5]);
    expect(new Set(seen.map((r) => r.id)).size).toBe(25);
    expect(seen.map((r) => r.id).sort()).toEqual([...made].sort());
    const order = seen.map((r) => `${r.startedAt}|${r.id}`);
    expect(order).toEqual([...order].sort().reverse());
  });

  it("lists per-issue verdicts with explanations, filterable by constraint", async () => {
    const all = await jsonOf<{
      items: Array<{ issue: { key: string }; classification: { constraint: string | null; reasons: Array<{ ruleId: string; match: string }> } }>;
    }>(await call(`/api/v1/workspaces/${wsId}/issues`));
    expect(all.items).toHaveLength(ISSUES.length);
    const crash = all.items.find((i) => i.issue.key === "ENG-1")!;
    expect(crash.classification.constraint).toBe("reliability");
    expect(crash.classification.reasons.length).toBeGreaterThan(0);
    const rel = await jsonOf<{ items: Array<{ classification: { constraint: string } }> }>(
      await call(`/api/v1/workspaces/${wsId}/issues?constraint=reliability`),
    );
    expect(rel.items.length).toBeGreaterThan(0);
    expect(rel.items.every((i) => i.classification.constraint === "reliability")).toBe(true);
  });
});

describe("settings and errors", () => {
  const patch = (body: string, type = "application/json") =>
    call(`/api/v1/workspaces/${wsId}/settings`, { method: "PATCH", headers: { "content-type": type }, body });

  it("malformed JSON → 400 invalid_json", async () => {
    const res = await patch("{not json");
    expect(res.status).toBe(400);
    expect((await jsonOf<{ error: { code: string } }>(res)).error.code).toBe("invalid_json");
  });

  it("a body of the wrong shape → 400 validation_failed naming the field", async () => {
    const res = await patch(JSON.stringify({ writeMode: "yolo" }));
    expect(res.status).toBe(400);
    const body = await jsonOf<{ error: { code: string; details: Array<{ path: string }> } }>(res);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.map((d) => d.path)).toContain("writeMode");
  });

  it("an invalid rule pack → 422 with the line and path, and nothing saved", async () => {
    const pack =
      "version: 1\nextends: default\nrules:\n  - id: bad\n    when: { regex: '(a)\\1', field: title }\n    then: { vote: { constraint: reliability, weight: 1 } }\n";
    const res = await patch(JSON.stringify({ rulePack: pack }));
    expect(res.status).toBe(422);
    const body = await jsonOf<{ error: { code: string; details: Array<{ line: number | null; path: string; message: string }> } }>(res);
    expect(body.error.code).toBe("invalid_rule_pack");
    expect(body.error.details[0]!.line).toBeGreaterThan(0);
    const settings = await jsonOf<{ rulePack: string | null }>(await call(`/api/v1/workspaces/${wsId}/settings`));
    expect(settings.rulePack).toBeNull();
  });

  it("saves settings and a valid pack, changing its hash", async () => {
    const before = await jsonOf<{ rulePackHash: string }>(await call(`/api/v1/workspaces/${wsId}/settings`));
    const res = await patch(JSON.stringify({ writeMode: "off", focusConstraint: "adoption", rulePack: "version: 1\nextends: default\n" }));
    expect(res.status).toBe(200);
    const after = await jsonOf<{ writeMode: string; focusConstraint: string; rulePackHash: string }>(res);
    expect(after).toMatchObject({ writeMode: "off", focusConstraint: "adoption" });
    expect(after.rulePackHash).not.toBe(before.rulePackHash);
  });

  it("rejects a 2 MB body with 413 before parsing", async () => {
    const res = await patch(JSON.stringify({ rulePack: "x".repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
  });

  it("an unknown workspace answers 401 to an anonymous caller and never leaks existence", async () => {
    const res = await call(`/api/v1/workspaces/ws_doesnotexist/audits/latest`);
    expect([401, 404]).toContain(res.status);
    expect((await jsonOf<{ error: { code: string } }>(res)).error.code).toMatch(/unauthorized|not_found/);
  });
});

describe("OpenAPI", () => {
  it("documents every API route with its schemas", async () => {
    const doc = await jsonOf<{ openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(
      await call("/openapi.json"),
    );
    expect(doc.openapi).toBe("3.1.0");
    for (const p of [
      "/api/v1/workspaces/{workspaceId}/audits/latest",
      "/api/v1/workspaces/{workspaceId}/audits",
      "/api/v1/workspaces/{workspaceId}/issues",
      "/api/v1/workspaces/{workspaceId}/settings",
      "/api/v1/workspaces/{workspaceId}/ledger",
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(Object.keys(doc.paths["/api/v1/workspaces/{workspaceId}/settings"]!)).toEqual(expect.arrayContaining(["get", "patch"]));
    expect(doc.components.schemas).toHaveProperty("AuditRun");
  });

  it("documents every /api/v1 operation the app serves", async () => {
    const doc = await jsonOf<{ paths: Record<string, Record<string, unknown>> }>(await call("/openapi.json"));
    const missing: string[] = [];
    for (const r of createApp().routes) {
      const method = r.method.toLowerCase();
      if (!r.path.startsWith("/api/v1/") || r.path.includes("*") || !["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const path = r.path.replace(/:(\w+)/g, "{$1}");
      if (!doc.paths[path]?.[method]) missing.push(`${method.toUpperCase()} ${path}`);
    }
    expect([...new Set(missing)]).toEqual([]);
  });
});
