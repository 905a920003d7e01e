/**
 * Sync failures are shown per connection, on the Connections page and in the API (item, reason,
 * when, retry), and a retry re-queues the work: a dead-lettered sync page is retried as a fresh
 * sync that completes. Everything runs through the real Worker (routes, consumer, DLQ consumer)
 * against real D1; the demo workspace switch opens it without sign-in, as the local demo does.
 * Run: npx vitest run --project workers test/integration/pipeline/sync-failures.test.ts
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { disconnectConnection } from "../../../src/db/connections";
import type { Env } from "../../../src/env";
import worker from "../../../src/index";
import { baseEnv, one, storedIssues, syncThroughDrain, usePipelineHarness, type Drain, type GithubWorld } from "./harness";

const h = usePipelineHarness();

async function call(e: Env, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787${path}`, { redirect: "manual", ...init }), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

interface FailureJson {
  id: string;
  item: string;
  job: string;
  reason: string;
  createdAt: string;
  retry: string | null;
}

/** A GitHub connection whose sync dead-letters: page 1 lands, then the tracker answers 5xx until `up()`. */
async function failedSync(): Promise<{ w: GithubWorld; q: Drain; up: () => void }> {
  const w = await h.github({ issues: 150, pullRequestShare: 0, seed: 12 });
  await baseEnv.DB.prepare("UPDATE workspaces SET is_demo = 1 WHERE id = ?").bind(w.workspaceId).run();
  const faults = w.sandbox.faults;
  const next = faults.next.bind(faults);
  let requests = 0;
  let down = true;
  faults.next = () => (++requests >= 2 && down ? (faults.queue("5xx"), next()) : next());
  const q = h.drain();
  const r = await syncThroughDrain(q, w.connection.id);
  expect(r.deadLettered).toBe(1);
  return { w, q, up: () => (down = false) };
}

describe("sync failures of a connection", () => {
  it("are listed by the API and the page, and Retry re-queues a sync that completes", async () => {
    const { w, q, up } = await failedSync();
    const base = `/api/v1/workspaces/${w.workspaceId}/connections/${w.connection.id}`;
    const listed = await call(q.env, `${base}/failures`);
    expect(listed.status).toBe(200);
    const { items } = (await listed.json()) as { items: FailureJson[] };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ item: `Sync of ${w.repo}`, job: "sync-page", reason: "exhausted retries after 6 attempt(s)", retry: "sync-page" });
    expect(Date.parse(items[0]!.createdAt)).not.toBeNaN();

    const page = await (await call(q.env, `/w/${w.workspaceId}/connections`)).text();
    const table = page.slice(page.indexOf('data-testid="sync-failures"'));
    expect(table).toContain(`Sync of ${w.repo}`);
    expect(table).toContain("exhausted retries after 6 attempt(s)");
    expect(table).toContain(`action="/w/${w.workspaceId}/connections/${w.connection.id}/failures/${items[0]!.id}/retry"`);

    // The tracker is back; the admin presses Retry on the page.
    up();
    const retried = await call(q.env, `/w/${w.workspaceId}/connections/${w.connection.id}/failures/${items[0]!.id}/retry`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(retried.status).toBe(303);
    expect(retried.headers.get("location")).toBe(`/w/${w.workspaceId}/connections?done=failure-retried`);
    expect(
      q.pending.map((m) => m.body.type),
      "the dead page, resumed from its checkpoint",
    ).toEqual(["sync-page"]);
    // The retried page resumes the pass (it still holds the lease) and the sync finishes.
    const r = await q.run();
    expect(r.deadLettered).toBe(0);
    expect(((await (await call(q.env, `${base}/failures`)).json()) as { items: FailureJson[] }).items).toEqual([]);
    expect((await storedIssues(w.connection.id)).length).toBe(150);
    expect((await one<{ status: string }>("SELECT status FROM connections WHERE id = ?", w.connection.id))?.status).toBe("active");
  });

  it("retry through the API: 202 with the job; an unknown id is 404 not_found, a disconnected connection 409 conflict", async () => {
    const { w, q } = await failedSync();
    const base = `/api/v1/workspaces/${w.workspaceId}/connections/${w.connection.id}`;
    const { items } = (await (await call(q.env, `${base}/failures`)).json()) as { items: FailureJson[] };

    const unknown = await call(q.env, `${base}/failures/fail_nope/retry`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("not_found");

    await disconnectConnection(baseEnv.DB, w.workspaceId, w.connection.id);
    const listed = (await (await call(q.env, `${base}/failures`)).json()) as { items: FailureJson[] };
    expect(listed.items[0]!.retry).toBeNull();
    const refused = await call(q.env, `${base}/failures/${items[0]!.id}/retry`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("conflict");
    expect(q.pending).toEqual([]);

    await baseEnv.DB.prepare("UPDATE connections SET status = 'error' WHERE id = ?").bind(w.connection.id).run();
    const ok = await call(q.env, `${base}/failures/${items[0]!.id}/retry`, { method: "POST" });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ queued: true, job: "sync-page" });
    expect(await one("SELECT id FROM sync_failures WHERE id = ?", items[0]!.id)).toBeNull();
  });

  it("the OpenAPI document describes both operations", async () => {
    const doc = (await (await call(baseEnv, "/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths["/api/v1/workspaces/{workspaceId}/connections/{connectionId}/failures"]!)).toEqual(["get"]);
    expect(Object.keys(doc.paths["/api/v1/workspaces/{workspaceId}/connections/{connectionId}/failures/{failureId}/retry"]!)).toEqual(["post"]);
    expect(doc.components.schemas).toHaveProperty("SyncFailure");
  });
});
