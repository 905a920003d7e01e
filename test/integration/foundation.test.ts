import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { createWorkspace } from "../../src/db/workspaces";
import { handleScheduled } from "../../src/sync/cron";

const testEnv = env as unknown as Env;

async function call(path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://localhost${path}`, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("health", () => {
  it("answers 200 with the version and a real D1 round trip through the migrated schema", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; version: string; db: { ok: boolean; migration: string } };
    expect(body.status).toBe("ok");
    expect(body.version).toBe(testEnv.APP_VERSION);
    expect(body.db.ok).toBe(true);
    // The latest migration the service sees is the last one in migrations/.
    expect(body.db.migration).toBe(env.TEST_MIGRATIONS.at(-1)?.name);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });
});

describe("the error shape", () => {
  it("answers an unknown route with a JSON 404", async () => {
    const res = await call("/no/such/route");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toContain("/no/such/route");
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("refuses an oversized body with 413 before reading it", async () => {
    const res = await call("/health", { method: "POST", body: "x".repeat(1024 * 1024 + 10), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("keeps a caller's request id when it is well-formed, and replaces a hostile one", async () => {
    expect((await call("/health", { headers: { "x-request-id": "abc-12345678" } })).headers.get("x-request-id")).toBe("abc-12345678");
    expect((await call("/health", { headers: { "x-request-id": "<script>" } })).headers.get("x-request-id")).toMatch(/^req_/);
  });
});

describe("HTML pages", () => {
  it("send a CSP with a nonce and escape workspace names", async () => {
    await createWorkspace(testEnv.DB, { name: "<img src=x onerror=alert(1)>", isDemo: true });
    const res = await call("/");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toContain("<img src=x");
  });
});

describe("migrations", () => {
  it("created every table the service relies on", async () => {
    const { results } = await testEnv.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
    const names = results.map((r) => r.name);
    for (const t of [
      "workspaces",
      "workspace_members",
      "workspace_settings",
      "connections",
      "sync_state",
      "issues",
      "classifications",
      "audit_runs",
      "writeback_runs",
      "writeback_ledger",
      "label_overrides",
      "webhook_deliveries",
      "sync_failures",
      "sessions",
      "oauth_states",
      "api_tokens",
      "invites",
    ]) {
      expect(names).toContain(t);
    }
  });

  it("enforce the write-mode and focus constraints at the database", async () => {
    const ws = await createWorkspace(testEnv.DB, { name: "constraints" });
    await expect(testEnv.DB.prepare("UPDATE workspace_settings SET write_mode = 'yolo' WHERE workspace_id = ?").bind(ws.id).run()).rejects.toThrow(/CHECK/);
    await expect(testEnv.DB.prepare("UPDATE workspace_settings SET focus_constraint = 'vibes' WHERE workspace_id = ?").bind(ws.id).run()).rejects.toThrow(
      /CHECK/,
    );
  });
});

describe("queue consumer", () => {
  it("sets a malformed job aside as a recorded failure instead of retrying it forever", async () => {
    const batch = createMessageBatch("backlog-sync", [{ id: "m1", timestamp: new Date(), attempts: 1, body: { type: "sync-page" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<never>, testEnv, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toContain("m1");
    expect(result.retryMessages).toEqual([]);
    const row = await testEnv.DB.prepare("SELECT reason FROM sync_failures ORDER BY created_at DESC LIMIT 1").first<{ reason: string }>();
    expect(row?.reason).toMatch(/malformed job/);
  });

  it("records dead-lettered messages with their reason and marks the connection", async () => {
    const ws = await createWorkspace(testEnv.DB, { name: "dlq" });
    const now = new Date().toISOString();
    await testEnv.DB.prepare(
      "INSERT INTO connections (id, workspace_id, tracker, status, created_at, updated_at) VALUES ('conn_dlq', ?, 'github', 'active', ?, ?)",
    )
      .bind(ws.id, now, now)
      .run();
    const batch = createMessageBatch("backlog-sync-dlq", [
      { id: "d1", timestamp: new Date(), attempts: 6, body: { type: "sync-page", connectionId: "conn_dlq", scopeId: "o/r", runId: "run1" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<never>, testEnv, ctx);
    await getQueueResult(batch, ctx);
    const fail = await testEnv.DB.prepare("SELECT reason, workspace_id FROM sync_failures WHERE connection_id = 'conn_dlq'").first<{
      reason: string;
      workspace_id: string;
    }>();
    expect(fail?.reason).toMatch(/exhausted retries after 6/);
    expect(fail?.workspace_id).toBe(ws.id);
    const conn = await testEnv.DB.prepare("SELECT status FROM connections WHERE id = 'conn_dlq'").first<{ status: string }>();
    expect(conn?.status).toBe("error");
  });
});

describe("cron", () => {
  it("enqueues a re-sync per live connection, an audit per workspace, and a refresh of webhooks about to expire", async () => {
    const ws = await createWorkspace(testEnv.DB, { name: "cron" });
    const at = new Date().toISOString();
    for (const [id, status] of [
      ["conn_cron_live", "active"],
      ["conn_cron_gone", "revoked"],
    ] as const) {
      await testEnv.DB.prepare("INSERT INTO connections (id, workspace_id, tracker, status, created_at, updated_at) VALUES (?, ?, 'jira', ?, ?, ?)")
        .bind(id, ws.id, status, at, at)
        .run();
    }
    const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const later = new Date(Date.now() + 25 * 86_400_000).toISOString();
    await testEnv.DB.batch([
      testEnv.DB.prepare(
        "INSERT INTO connection_webhooks (connection_id, webhook_id, workspace_id, expires_at, created_at) VALUES ('conn_cron_live', '11', ?, ?, ?)",
      ).bind(ws.id, soon, at),
      testEnv.DB.prepare(
        "INSERT INTO connection_webhooks (connection_id, webhook_id, workspace_id, expires_at, created_at) VALUES ('conn_cron_gone', '12', ?, ?, ?)",
      ).bind(ws.id, later, at),
    ]);
    const sent: unknown[] = [];
    const capture = {
      ...testEnv,
      SYNC_QUEUE: { sendBatch: async (b: Array<{ body: unknown }>) => void sent.push(...b.map((m) => m.body)), send: async (b: unknown) => void sent.push(b) },
    } as unknown as Env;
    const { enqueued } = await handleScheduled(
      createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }),
      capture,
      createExecutionContext(),
    );
    expect(enqueued).toBe(sent.length);
    expect(sent).toContainEqual({ type: "sync-start", connectionId: "conn_cron_live", reason: "cron" });
    expect(sent).not.toContainEqual(expect.objectContaining({ connectionId: "conn_cron_gone", type: "sync-start" }));
    expect(sent).toContainEqual({ type: "audit", workspaceId: ws.id, trigger: "cron" });
    expect(sent).toContainEqual({ type: "refresh-webhooks", connectionId: "conn_cron_live", webhookIds: ["11"] });
    expect(sent).not.toContainEqual(expect.objectContaining({ type: "refresh-webhooks", connectionId: "conn_cron_gone" }));
  });

  it("runs the way the runtime drives it", async () => {
    const ctx = createExecutionContext();
    await expect(worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), testEnv, ctx)).resolves.toBeUndefined();
    await waitOnExecutionContext(ctx);
  });
});
