/**
 * Sync pipeline fault tests: full syncs under tracker faults (GitHub, Linear), the client's timeout,
 * skipped malformed items, and the real connect path with the first sync on the real local queue.
 * Run: npx vitest run --project workers test/integration/pipeline
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { all, baseEnv, type GithubWorld, hang, linearIssues, one, sandboxIssues, storedIssues, syncThroughDrain, usePipelineHarness, waitFor } from "./harness";
import worker from "../../../src/index";
import { createWorkspace } from "../../../src/db/workspaces";

const h = usePipelineHarness();

/* ----------------------------------------------------------------
 * A full sync under random tracker faults completes exactly once: every
 * sandbox issue stored once with the sandbox's title, labels and updated time,
 * the scope idle with a cursor, the connection active; 429s wait out the
 * tracker's retry-after on the queue instead of spinning; items the tracker
 * sends broken are skipped, reported, and picked up by a later clean sync.
 */
/** Every sandbox issue is stored exactly once, with the sandbox's current title, labels and updated time. */
async function expectMirrors(w: GithubWorld, opts: { missing?: number } = {}) {
  const want = sandboxIssues(w.sandbox, w.repo);
  const stored = await storedIssues(w.connection.id);
  const ids = stored.map((r) => r.external_id);
  expect(new Set(ids).size).toBe(ids.length);
  const byId = new Map(stored.map((r) => [r.external_id, r]));
  const missing = want.filter((i) => !byId.has(i.externalId)).map((i) => `${w.repo}#${i.number}`);
  expect(missing, "sandbox issues missing from D1").toHaveLength(opts.missing ?? 0);
  expect(stored.length).toBe(want.length - (opts.missing ?? 0));
  const drift = want
    .filter((i) => byId.has(i.externalId))
    .map((i) => ({ i, r: byId.get(i.externalId)! }))
    .filter(({ i, r }) => r.title !== i.title || Date.parse(r.updated_at) !== i.updatedAt || JSON.stringify(JSON.parse(r.labels)) !== JSON.stringify(i.labels))
    .map(({ i, r }) => `${w.repo}#${i.number}: stored ${JSON.stringify({ title: r.title, labels: r.labels, updated: r.updated_at })}`);
  expect(drift, "stored issues that differ from the sandbox").toEqual([]);
}

async function expectIdleWithCursor(w: GithubWorld) {
  const st = await one<{ status: string; cursor: string | null; run_id: string | null; last_synced_at: string | null }>(
    "SELECT status, cursor, run_id, last_synced_at FROM sync_state WHERE connection_id = ? AND scope_id = ?",
    w.connection.id,
    w.repo,
  );
  expect(st?.status).toBe("idle");
  expect(st?.run_id).toBeNull();
  expect(st?.last_synced_at).not.toBeNull();
  expect(JSON.parse(st!.cursor!)).toMatchObject({ v: 1, since: expect.stringMatching(/Z$/) });
  const conn = await one<{ status: string }>("SELECT status FROM connections WHERE id = ?", w.connection.id);
  expect(conn?.status).toBe("active");
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a full sync under 10% random tracker faults", () => {
  it("stores every issue exactly once, retries with backoff, waits out 429s, and ends idle and active", async () => {
    const w = await h.github({ issues: 600, seed: 11 });
    // 10% random faults; this seed's draws give each kind at least once within the ~8 list requests.
    // (The sandbox's "timeout" answers 504 after slowMs; the client-side timeout has its own test below.)
    w.sandbox.faults.configure({ rate: 0.1, kinds: ["5xx", "timeout", "429", "malformed"], seed: 166, slowMs: 5, retryAfterSec: 30 });
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void logs.push(String(line)));
    const q = h.drain();
    const r = await syncThroughDrain(q, w.connection.id);
    vi.restoreAllMocks();
    const injected = { ...w.sandbox.faults.injected };
    w.sandbox.faults.clear();

    expect(injected.timeout).toBeGreaterThanOrEqual(1);
    expect(injected["5xx"]).toBeGreaterThanOrEqual(1);
    expect(injected["429"]).toBeGreaterThanOrEqual(1);
    expect(r.deadLettered).toBe(0);
    // 5xx and timeouts are retried by the consumer with exponential backoff (never 0, never more than 5 min).
    const retries = q.events.filter((e) => e.via === "retry");
    expect(retries.length).toBe(injected["5xx"] + injected.timeout);
    for (const e of retries) expect(e.delaySeconds).toBeGreaterThanOrEqual(1);
    for (const e of retries) expect(e.delaySeconds).toBeLessThanOrEqual(300);
    // A 429 re-enqueues the page job for when the limit resets (retry-after 30 s), acked, not spun.
    const delayedPages = q.sent("sync-page").filter((e) => e.delaySeconds !== undefined);
    expect(delayedPages.length).toBe(injected["429"]);
    for (const e of delayedPages) {
      expect(e.delaySeconds).toBeGreaterThanOrEqual(29);
      expect(e.delaySeconds).toBeLessThanOrEqual(31);
    }
    // The chain ran once: one classify → audit after the single finished pass.
    expect(q.sent("audit")).toHaveLength(1);
    // Nothing failed for good; the only recorded "failures" are the skipped items, shown to people.
    expect(
      await one<{ n: number }>("SELECT count(*) AS n FROM sync_failures WHERE connection_id = ? AND reason NOT LIKE 'skipped %'", w.connection.id),
    ).toEqual({ n: 0 });

    // Malformed items were skipped at the boundary; a clean re-sync must pick them up.
    // A malformed answer breaks one item (unless it is a pull request, dropped anyway): it is skipped and
    // logged, and everything else is stored. Its recovery is the next describe block.
    expect(injected.malformed).toBeGreaterThanOrEqual(1);
    const reported = logs.flatMap((l) => (JSON.parse(l) as { skipped?: Array<{ ref: string }> }).skipped ?? []).map((s) => s.ref);
    expect(reported.length).toBeLessThanOrEqual(injected.malformed);
    expect(reported.length, "this seed breaks a real issue, not a pull request").toBeGreaterThanOrEqual(1);
    await expectMirrors(w, { missing: reported.length });
    const stored = new Set((await storedIssues(w.connection.id)).map((x) => x.key));
    for (const ref of reported) expect(stored.has(ref), `${ref} was reported skipped`).toBe(false);
    await expectIdleWithCursor(w);
    console.info("faults injected in the 600-issue sync:", JSON.stringify(injected), JSON.stringify(r), "skipped:", reported.join(", "));
  });

  it("a tracker that never answers: the client's own 15 s timeout aborts, the job backs off and the sync completes", async () => {
    const w = await h.github({ issues: 120, seed: 14 });
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void logs.push(String(line)));
    vi.spyOn(console, "error").mockImplementation(() => {}); // msw reports the aborted request
    // Only the timers are faked: the connector's abort timer fires when the hang moves the clock 15 s on.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    hang.count = 1;
    hang.advance = () => vi.advanceTimersByTime(15_000);
    const q = h.drain();
    try {
      await syncThroughDrain(q, w.connection.id);
    } finally {
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
    expect(hang.count).toBe(0);
    const failed = logs.map((l) => JSON.parse(l) as { error?: string; decision?: { kind: string } }).filter((l) => l.error);
    expect(failed).toEqual([expect.objectContaining({ error: "github did not answer within 15000 ms", decision: expect.objectContaining({ kind: "retry" }) })]);
    expect(q.events.filter((e) => e.via === "retry").map((e) => [e.type, e.attempts])).toEqual([["sync-page", 1]]);
    await expectMirrors(w);
    await expectIdleWithCursor(w);
  });

  describe("an item the tracker sends broken (malformed) is skipped at the boundary", () => {
    /** Syncs 250 issues; the second list page (issues 101–200) comes back with one item's title null. */
    async function syncWithOneBrokenItem() {
      const w = await h.github({ issues: 250, seed: 12, pullRequestShare: 0 });
      const logs: string[] = [];
      vi.spyOn(console, "log").mockImplementation((line: unknown) => void logs.push(String(line)));
      const faults = w.sandbox.faults;
      const next = faults.next.bind(faults);
      let requests = 0;
      faults.next = () => {
        if (++requests === 2) faults.queue("malformed");
        return next();
      };
      await syncThroughDrain(h.drain(), w.connection.id);
      faults.next = next;
      vi.restoreAllMocks();
      expect(faults.injected.malformed).toBe(1);
      const stored = new Set((await storedIssues(w.connection.id)).map((r) => r.external_id));
      const lost = sandboxIssues(w.sandbox, w.repo).filter((i) => !stored.has(i.externalId));
      expect(lost).toHaveLength(1);
      const entries = logs.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      return { w, ref: `${w.repo}#${lost[0]!.number}`, entries };
    }

    it("the rest of the page is stored, and the Worker's log names the skipped item and why", async () => {
      const { ref, entries } = await syncWithOneBrokenItem();
      const line = entries.find((e) => JSON.stringify(e.skipped ?? "").includes(ref));
      expect(line, "a log line carrying the skipped ref").toBeDefined();
      expect(JSON.stringify(line!.skipped)).toMatch(/title/);
      // The log line keeps its message (a child logger field must not overwrite it).
      expect(line!.msg).toBe("items skipped at the boundary");
    });

    it("the skipped item is recorded where a person can see it (sync_failures or the scope's last_error)", async () => {
      const { w, ref } = await syncWithOneBrokenItem();
      const failures = await all<{ reason: string; message: string }>("SELECT reason, message FROM sync_failures WHERE connection_id = ?", w.connection.id);
      const st = await one<{ last_error: string | null }>("SELECT last_error FROM sync_state WHERE connection_id = ?", w.connection.id);
      expect([...failures.flatMap((f) => [f.reason, f.message]), st?.last_error ?? ""].join("\n")).toContain(ref);
    });

    it("a later clean incremental sync picks the skipped item up", async () => {
      const { w } = await syncWithOneBrokenItem();
      await syncThroughDrain(h.drain(), w.connection.id, "cron");
      await expectMirrors(w);
      await expectIdleWithCursor(w);
    });
  });

  it("a clean full sync on the real local queue: sync-start → pages → classify → audit, awaited through D1", async () => {
    const w = await h.github({ issues: 180, seed: 13 });
    await baseEnv.SYNC_QUEUE.send({ type: "sync-start", connectionId: w.connection.id, reason: "connect" });
    await waitFor("the first sync to finish and be audited", async () => {
      const st = await one<{ status: string; last_synced_at: string | null }>(
        "SELECT status, last_synced_at FROM sync_state WHERE connection_id = ?",
        w.connection.id,
      );
      const audited = await one<{ n: number }>("SELECT count(*) AS n FROM audit_runs WHERE workspace_id = ?", w.workspaceId);
      return st?.status === "idle" && st.last_synced_at && (audited?.n ?? 0) > 0;
    });
    await expectMirrors(w);
    await expectIdleWithCursor(w);
    const unclassified = await one<{ n: number }>(
      "SELECT count(*) AS n FROM issues i LEFT JOIN classifications c ON c.issue_id = i.id WHERE i.connection_id = ? AND c.issue_id IS NULL",
      w.connection.id,
    );
    expect(unclassified?.n).toBe(0);
  });
});

/* ----------------------------------------------------------------
 * The same full-sync-under-faults property on the Linear connector (GraphQL,
 * cursor pagination): every issue of the team stored once, with Linear's
 * title, labels and updated time; 429s wait for Linear's reset; idle + active.
 */
describe("a full Linear sync under 10% random faults", () => {
  it("stores every issue exactly once (malformed items skipped and reported), ends idle and active", async () => {
    const w = await h.linear({ issues: 600, seed: 5 });
    w.sandbox.faults.configure({ rate: 0.1, kinds: ["5xx", "timeout", "429", "malformed"], seed: 166, slowMs: 5, retryAfterSec: 20 });
    w.sandbox.faults.queue("timeout", "5xx", "429", "malformed");
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void logs.push(String(line)));
    const q = h.drain();
    const r = await syncThroughDrain(q, w.connection.id);
    vi.restoreAllMocks();
    const injected = { ...w.sandbox.faults.injected };
    w.sandbox.faults.clear();

    expect(r.deadLettered).toBe(0);
    expect(injected.timeout + injected["5xx"]).toBeGreaterThanOrEqual(2);
    expect(q.events.filter((e) => e.via === "retry")).toHaveLength(injected.timeout + injected["5xx"]);
    const delayed = q.sent("sync-page").filter((e) => e.delaySeconds !== undefined);
    expect(delayed).toHaveLength(injected["429"]);
    for (const e of delayed) expect(e.delaySeconds).toBeGreaterThanOrEqual(19);
    for (const e of delayed) expect(e.delaySeconds).toBeLessThanOrEqual(21);

    const reported = logs.flatMap((l) => (JSON.parse(l) as { skipped?: Array<{ ref: string }> }).skipped ?? []).map((s) => s.ref);
    expect(reported.length).toBe(injected.malformed);
    const want = linearIssues(w);
    const stored = await storedIssues(w.connection.id);
    const ids = stored.map((s) => s.external_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stored.length).toBe(want.length - reported.length);
    const byId = new Map(stored.map((s) => [s.external_id, s]));
    const missing = want.filter((i) => !byId.has(i.externalId));
    expect(missing).toHaveLength(reported.length);
    const drift = want
      .filter((i) => byId.has(i.externalId))
      .filter((i) => {
        const s = byId.get(i.externalId)!;
        return (
          s.title !== i.title ||
          s.key !== i.key ||
          Date.parse(s.updated_at) !== i.updatedAt ||
          JSON.stringify([...(JSON.parse(s.labels) as string[])].sort()) !== JSON.stringify([...i.labels].sort())
        );
      })
      .map((i) => i.key);
    expect(drift).toEqual([]);

    const st = await one<{ status: string; cursor: string | null; run_id: string | null }>(
      "SELECT status, cursor, run_id FROM sync_state WHERE connection_id = ?",
      w.connection.id,
    );
    expect(st).toMatchObject({ status: "idle", run_id: null });
    expect(st?.cursor).toBeTruthy();
    expect((await one<{ status: string }>("SELECT status FROM connections WHERE id = ?", w.connection.id))?.status).toBe("active");
    console.info("linear faults injected:", JSON.stringify(injected), JSON.stringify(r), "skipped:", reported.join(", "));
  });

  it("an item skipped as malformed is picked up by a later clean incremental sync", async () => {
    const w = await h.linear({ issues: 120, seed: 6 });
    vi.spyOn(console, "log").mockImplementation(() => {});
    w.sandbox.faults.queue("malformed");
    await syncThroughDrain(h.drain(), w.connection.id);
    expect(w.sandbox.faults.injected.malformed).toBe(1);
    expect((await storedIssues(w.connection.id)).length).toBe(linearIssues(w).length - 1);
    await syncThroughDrain(h.drain(), w.connection.id, "cron");
    const stored = new Set((await storedIssues(w.connection.id)).map((s) => s.key));
    expect(
      linearIssues(w)
        .filter((i) => !stored.has(i.key))
        .map((i) => i.key),
      "still missing after a clean sync",
    ).toEqual([]);
  });
});

/* ----------------------------------------------------------------
 * The whole connect path, as a person does it, then the first sync on the real
 * local queue: Connect GitHub → the sandbox's Authorize page → the OAuth
 * callback (bound by the `ba_oauth_bind` cookie) → the scope picker → POST the
 * scopes → Miniflare delivers sync-start/sync-page/classify/audit to the Worker.
 */
const APP = "http://127.0.0.1:8787";

async function app(path: string, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(new URL(path, APP), { ...init, headers, redirect: "manual" }), baseEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The first form's hidden inputs and checked boxes, as a browser would submit them. */
function formFields(html: string): { action: string; fields: URLSearchParams } {
  const form = /<form\b[^>]*>[\s\S]*?<\/form>/i.exec(html)?.[0] ?? "";
  const action = /action="([^"]*)"/i.exec(form)?.[1]?.replace(/&amp;/g, "&") ?? "";
  const fields = new URLSearchParams();
  for (const input of form.match(/<input\b[^>]*>/gi) ?? []) {
    const name = /name="([^"]*)"/i.exec(input)?.[1];
    const type = /type="([^"]*)"/i.exec(input)?.[1] ?? "text";
    if (!name || (type === "checkbox" && !/\bchecked\b/i.test(input))) continue;
    fields.append(name, (/value="([^"]*)"/i.exec(input)?.[1] ?? "on").replace(/&amp;/g, "&"));
  }
  return { action, fields };
}

describe("connecting GitHub through the real OAuth routes", () => {
  it("creates an active connection with encrypted tokens and runs the first sync on the real queue", async () => {
    const w = await h.github({ issues: 45 });
    const ws = await createWorkspace(baseEnv.DB, { name: "connect flow", isDemo: true });

    const start = await app(`/w/${ws.id}/connect/github`);
    expect(start.status).toBe(302);
    const bind = start.headers.getSetCookie().find((c) => c.startsWith("ba_oauth_bind="));
    expect(bind).toBeDefined();
    const cookie = bind!.split(";")[0]!;
    const authorize = start.headers.get("location")!;
    expect(authorize).toMatch(/^http:\/\/127\.0\.0\.1:8788\/github\/login\/oauth\/authorize\?/);

    // The person clicks "Authorize" on the tracker's page.
    const page = await w.sandbox.fetch(new Request(authorize));
    const approve = formFields(await page.text());
    approve.fields.set("authorize", "1");
    const approved = await w.sandbox.fetch(
      new Request(new URL(approve.action, authorize), {
        method: "POST",
        body: approve.fields,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        redirect: "manual",
      }),
    );
    const callback = new URL(approved.headers.get("location")!);
    expect(callback.pathname).toBe("/oauth/github/callback");

    const done = await app(callback.pathname + callback.search, { cookie });
    expect(done.status).toBe(303);
    const picker = done.headers.get("location")!;
    const connectionId = /connections\/([^/]+)\/scopes/.exec(picker)![1]!;
    const conn = await one<{ status: string; site_id: string; access_token_enc: string }>(
      "SELECT status, site_id, access_token_enc FROM connections WHERE id = ?",
      connectionId,
    );
    expect(conn?.status).toBe("active");
    expect(conn?.site_id).toBe(String(w.sandbox.installationId));
    expect(conn?.access_token_enc).not.toMatch(/ghu_/); // encrypted at rest

    const scopes = formFields(await (await app(picker)).text());
    expect(scopes.fields.getAll("scope")).toContain(w.repo);
    const picked = new URLSearchParams([...scopes.fields].filter(([k, v]) => k !== "scope" || v === w.repo));
    const posted = await app(scopes.action, { method: "POST", body: picked, headers: { "content-type": "application/x-www-form-urlencoded", origin: APP } });
    expect(posted.status).toBeLessThan(400);

    await waitFor("the first sync on the real queue to finish and be audited", async () => {
      const st = await one<{ status: string; last_synced_at: string | null }>(
        "SELECT status, last_synced_at FROM sync_state WHERE connection_id = ?",
        connectionId,
      );
      const audited = await one<{ n: number }>("SELECT count(*) AS n FROM audit_runs WHERE workspace_id = ?", ws.id);
      return st?.status === "idle" && st.last_synced_at && (audited?.n ?? 0) > 0;
    });
    const stored = await storedIssues(connectionId);
    expect(new Set(stored.map((r) => r.external_id))).toEqual(new Set(sandboxIssues(w.sandbox, w.repo).map((i) => i.externalId)));
  });
});
