/**
 * Queue-delivery fault tests: duplicate and out-of-order webhooks, a revoked token mid-sync or
 * mid-write-back, an uninstalled GitHub App, the same sync job delivered twice, and a tracker that
 * stays down until the message is dead-lettered.
 * Run: npx vitest run --project workers test/integration/pipeline
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  all,
  baseEnv,
  type GithubWorld,
  one,
  postWebhook,
  type QueuedMessage,
  sandboxIssues,
  storedIssues,
  syncThroughDrain,
  traffic,
  usePipelineHarness,
  waitFor,
} from "./harness";
import type { Delivery } from "../../../sandbox/common/outbox";
import worker from "../../../src/index";

const h = usePipelineHarness();

/* ----------------------------------------------------------------
 * Duplicate and out-of-order webhooks reach the final state exactly once:
 * a redelivered id is answered 200 `duplicate` without enqueueing, and an
 * older event applied after a newer one never overwrites the newer state.
 */
/** Two human edits of one issue, five seconds apart: their two `issues.edited` deliveries, oldest first. */
async function twoEdits(w: GithubWorld, n: number): Promise<Delivery[]> {
  await w.sandbox.human(w.repo, n, { title: "First rename" });
  w.sandbox.advanceClock(5_000);
  await w.sandbox.human(w.repo, n, { title: "Second rename, the newest" });
  const deliveries = w.sandbox.outbox.drain();
  expect(deliveries.map((d) => d.event)).toEqual(["issues", "issues"]);
  return deliveries;
}

describe("duplicate and out-of-order GitHub webhooks", () => {
  it("through the drain loop: each id is enqueued once, the newest title wins, deliveries are recorded once", async () => {
    const w = await h.github({ issues: 12, pullRequestShare: 0 });
    const q = h.drain();
    await syncThroughDrain(q, w.connection.id);
    const deliveries = await twoEdits(w, 5);
    const enqueuedBefore = q.sent("webhook").length;

    for (const d of [...deliveries].reverse()) {
      const first = await postWebhook("github", d, q.env);
      expect(first.status).toBe(202);
      expect(await first.json()).toMatchObject({ accepted: true, deliveryId: d.id });
      const again = await postWebhook("github", d, q.env);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ accepted: false, duplicate: true, deliveryId: d.id });
    }
    expect(q.sent("webhook").length - enqueuedBefore, "one queue message per delivery id").toBe(2);
    await q.run();

    const stored = await one<{ title: string; updated_at: string }>(
      "SELECT title, updated_at FROM issues WHERE connection_id = ? AND key = ?",
      w.connection.id,
      `${w.repo}#5`,
    );
    expect(stored?.title).toBe("Second rename, the newest");
    expect(Date.parse(stored!.updated_at)).toBe(w.sandbox.issue(w.repo, 5).updatedAt * 1000);
    const rows = await all<{ delivery_id: string; status: string }>(
      "SELECT delivery_id, status FROM webhook_deliveries WHERE tracker = 'github' AND delivery_id IN (?, ?)",
      deliveries[0]!.id,
      deliveries[1]!.id,
    );
    expect(rows.map((r) => r.delivery_id).sort()).toEqual(deliveries.map((d) => d.id).sort());
    expect(rows.every((r) => r.status === "processed")).toBe(true);
  });

  it("a redelivery after processing (GitHub's Redeliver button) is still a duplicate", async () => {
    const w = await h.github({ issues: 6, pullRequestShare: 0 });
    const q = h.drain();
    await syncThroughDrain(q, w.connection.id);
    const [older, newer] = await twoEdits(w, 2);
    expect((await postWebhook("github", newer!, q.env)).status).toBe(202);
    await q.run();
    w.sandbox.redeliver(newer!.id);
    const [again] = w.sandbox.outbox.drain();
    expect(again!.id).toBe(newer!.id);
    const res = await postWebhook("github", again!, q.env);
    expect(await res.json()).toMatchObject({ duplicate: true });
    // The older edit arrives last of all and changes nothing.
    expect((await postWebhook("github", older!, q.env)).status).toBe(202);
    await q.run();
    expect((await one<{ title: string }>("SELECT title FROM issues WHERE connection_id = ? AND key = ?", w.connection.id, `${w.repo}#2`))?.title).toBe(
      "Second rename, the newest",
    );
  });

  it("on the real local queue: reversed and doubled deliveries settle on the newest title", async () => {
    const w = await h.github({ issues: 8, pullRequestShare: 0 });
    await syncThroughDrain(h.drain(), w.connection.id);
    const deliveries = await twoEdits(w, 3);
    const answers: number[] = [];
    for (const d of [...deliveries].reverse()) for (let k = 0; k < 2; k++) answers.push((await postWebhook("github", d, baseEnv)).status);
    expect(answers).toEqual([202, 200, 202, 200]);
    await waitFor("both deliveries to be processed by the queue consumer", async () => {
      const r = await one<{ n: number }>(
        "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'processed' AND delivery_id IN (?, ?)",
        deliveries[0]!.id,
        deliveries[1]!.id,
      );
      return r?.n === 2;
    });
    expect((await one<{ title: string }>("SELECT title FROM issues WHERE connection_id = ? AND key = ?", w.connection.id, `${w.repo}#3`))?.title).toBe(
      "Second rename, the newest",
    );
  });
});

/* ----------------------------------------------------------------
 * A revoked token or an uninstalled app stops the connection cleanly: status
 * `revoked` with a reason a person can act on, the sync not running, the
 * message acked (no retry loop, nothing re-enqueued), at most one failure row.
 */
async function expectStoppedCleanly(w: GithubWorld, detail: RegExp) {
  const conn = await one<{ status: string; status_detail: string | null }>("SELECT status, status_detail FROM connections WHERE id = ?", w.connection.id);
  expect(conn?.status).toBe("revoked");
  expect(conn?.status_detail).toMatch(detail);
  const st = await one<{ status: string; run_id: string | null; lease_until: string | null }>(
    "SELECT status, run_id, lease_until FROM sync_state WHERE connection_id = ?",
    w.connection.id,
  );
  expect(st?.status).not.toBe("running");
  expect(st?.run_id).toBeNull();
  const failures = await one<{ n: number }>("SELECT count(*) AS n FROM sync_failures WHERE connection_id = ?", w.connection.id);
  expect(failures!.n).toBeLessThanOrEqual(1);
}

describe("a revoked token mid-sync", () => {
  it("ends the connection revoked, acks the job, and nothing retries or re-enqueues", async () => {
    const w = await h.github({ issues: 450, pullRequestShare: 0 });
    // The token is revoked after the second list page (as a person would, in GitHub's settings).
    const faults = w.sandbox.faults;
    const next = faults.next.bind(faults);
    let requests = 0;
    faults.next = () => {
      if (++requests === 3) w.sandbox.revokeToken(w.token);
      return next();
    };
    const q = h.drain();
    const r = await syncThroughDrain(q, w.connection.id);
    faults.next = next;

    // Two pages of 100 before the revocation; each page restarts at the last updated_at seen, so they overlap by one.
    expect((await storedIssues(w.connection.id)).length, "the two pages before the revocation are kept").toBe(199);
    expect(r.retried).toBe(0);
    expect(r.deadLettered).toBe(0);
    expect(
      q.events.map((e) => `${e.via}:${e.type}`),
      "no page, classify or retry after the 401",
    ).toEqual(["send:sync-start", "send:sync-page"]);
    expect(traffic.filter((t) => t.tracker === "github")).toHaveLength(3);
    await expectStoppedCleanly(w, /reconnect/i);

    // The cron no longer picks it up, and a stray job for it does nothing.
    const sends: unknown[] = [];
    const cronEnv = {
      ...q.env,
      SYNC_QUEUE: {
        send: async (b: unknown) => void sends.push(b),
        sendBatch: async (b: Array<{ body: unknown }>) => void sends.push(...b.map((x) => x.body)),
      } as unknown as Queue,
    };
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), cronEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(sends.filter((s) => (s as { connectionId?: string }).connectionId === w.connection.id)).toEqual([]);
    const before = traffic.length;
    await syncThroughDrain(q, w.connection.id);
    expect(traffic.length).toBe(before);
  });

  it("a revoked token during write-back stops it the same way", async () => {
    const w = await h.github({ issues: 8, pullRequestShare: 0, writeMode: "on" });
    const q = h.drain();
    await syncThroughDrain(q, w.connection.id); // sync → classify → audit → write-back
    await w.sandbox.human(w.repo, 1, { title: "Signup page crashes on submit, users cannot finish onboarding" });
    w.sandbox.revokeToken(w.token);
    for (const d of w.sandbox.outbox.drain()) await postWebhook("github", d, q.env);
    const r = await q.run();
    expect(r.retried).toBe(0);
    await expectStoppedCleanly(w, /reconnect/i);
    const runs = await all<{ status: string }>("SELECT status FROM writeback_runs WHERE connection_id = ? ORDER BY started_at", w.connection.id);
    // Each webhook (the human's edit, our own label/comment echoes) starts a run; all stop at the 401, none keeps running.
    expect(runs[0]?.status).toBe("done");
    expect(runs.length, "the webhooks started write-back runs").toBeGreaterThan(1);
    expect(runs.slice(1).map((x) => x.status)).toEqual(runs.slice(1).map(() => "failed"));
  });
});

describe("the GitHub App is uninstalled", () => {
  it("the installation.deleted webhook marks the connection revoked and stops its sync", async () => {
    const w = await h.github({ issues: 20, pullRequestShare: 0 });
    const q = h.drain();
    await syncThroughDrain(q, w.connection.id);
    await w.sandbox.uninstall();
    const [d] = w.sandbox.outbox.drain();
    expect(d?.event).toBe("installation");
    expect((await postWebhook("github", d!, q.env)).status).toBe(202);
    const r = await q.run();
    expect(r.retried).toBe(0);
    await expectStoppedCleanly(w, /uninstalled/i);
    const delivery = await one<{ status: string }>("SELECT status FROM webhook_deliveries WHERE tracker = 'github' AND delivery_id = ?", d!.id);
    expect(delivery?.status).toBe("processed");
  });
});

/* ----------------------------------------------------------------
 * Sync jobs are idempotent: the same `sync-page` message delivered twice at
 * once (two batches), or again after the pass finished, leaves no duplicate
 * issues and a sane cursor. The guard is the scope's run id and lease.
 */
async function expectComplete(w: Awaited<ReturnType<typeof h.github>>) {
  const stored = await storedIssues(w.connection.id);
  const ids = stored.map((r) => r.external_id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(sandboxIssues(w.sandbox, w.repo).map((i) => i.externalId)));
  const st = await one<{ status: string; cursor: string; run_id: string | null }>(
    "SELECT status, cursor, run_id FROM sync_state WHERE connection_id = ?",
    w.connection.id,
  );
  expect(st?.status).toBe("idle");
  expect(st?.run_id).toBeNull();
  const newest = Math.max(...w.sandbox.repo(w.repo).issues.map((i) => i!.updatedAt));
  expect(Date.parse(JSON.parse(st!.cursor).since)).toBe(newest * 1000);
}

describe("the same sync-page message delivered twice", () => {
  it("concurrently, in two batches: no duplicate issues, one finished pass, a cursor at the newest issue", async () => {
    const w = await h.github({ issues: 950, pullRequestShare: 0, seed: 41 }); // 10 pages: two page jobs
    const q = h.drain();
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "manual" });
    await q.deliver(q.pending.splice(0, 1));
    const [page] = q.pending.splice(0, 1) as [QueuedMessage];
    expect(page.body.type).toBe("sync-page");
    const twin: QueuedMessage = { ...page, id: `${page.id}-redelivered` };
    const [a, b] = await Promise.all([q.deliver([page]), q.deliver([twin])]);
    expect([...a.retried, ...b.retried]).toEqual([]);
    // Whatever each copy enqueued (the next page, the classify after the last one) runs to the end.
    await q.run();
    await expectComplete(w);
    expect(q.sent("audit").length, "one audit per finished pass, not per copy").toBe(1);
  });

  it("again after the pass finished: a no-op that never calls the tracker", async () => {
    const w = await h.github({ issues: 150, pullRequestShare: 0, seed: 42 });
    const q = h.drain();
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "manual" });
    await q.deliver(q.pending.splice(0, 1));
    const page = { ...q.pending[0]! };
    await q.run();
    await expectComplete(w);
    const before = traffic.length;
    const r = await q.deliver([{ ...page, id: "late-copy" }]);
    expect(r.acked).toEqual(["late-copy"]);
    expect(traffic.length).toBe(before);
    expect(q.pending).toEqual([]);
    await expectComplete(w);
  });
});

/* ----------------------------------------------------------------
 * A tracker that stays down: the page job is retried with growing backoff,
 * dead-lettered after wrangler.toml's 5 retries, the DLQ consumer records it
 * once and marks the connection; once the lease lapses the cron resumes the
 * pass from its checkpoint and the connection is active again.
 */
describe("a tracker that stays down", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is dead-lettered after 6 attempts, recorded once, and the next cron pass resumes from the checkpoint", async () => {
    const w = await h.github({ issues: 300, pullRequestShare: 0, seed: 51 });
    const faults = w.sandbox.faults;
    const next = faults.next.bind(faults);
    let requests = 0;
    // Page 1 is fine, then every request fails until the test lifts it.
    let down = true;
    faults.next = () => (++requests >= 2 && down ? (faults.queue("5xx"), next()) : next());
    const q = h.drain();
    const r = await syncThroughDrain(q, w.connection.id);
    down = false;

    expect(r.deadLettered).toBe(1);
    const retries = q.events.filter((e) => e.via === "retry");
    expect(retries.map((e) => e.attempts)).toEqual([1, 2, 3, 4, 5]);
    // Full-jitter backoff: each delay within [cap/2, cap], cap = 2^attempts * 2 (max 300 s).
    for (const e of retries) {
      const cap = Math.min(300, 2 ** e.attempts * 2);
      expect(e.delaySeconds).toBeGreaterThanOrEqual(Math.max(1, Math.floor(cap / 2)));
      expect(e.delaySeconds).toBeLessThanOrEqual(cap);
    }
    expect(q.deadLetters.map((m) => [m.body.type, m.attempts])).toEqual([["sync-page", 6]]);
    const failures = await all<{ reason: string }>("SELECT reason FROM sync_failures WHERE connection_id = ?", w.connection.id);
    expect(failures.map((f) => f.reason)).toEqual(["exhausted retries after 6 attempt(s)"]);
    const conn = await one<{ status: string; status_detail: string }>("SELECT status, status_detail FROM connections WHERE id = ?", w.connection.id);
    expect(conn).toMatchObject({ status: "error", status_detail: expect.stringMatching(/failed repeatedly/) });
    expect((await storedIssues(w.connection.id)).length, "page 1 was checkpointed").toBe(100);

    // Within the lease, a new pass does not start (no interleaving); after it lapses the cron's pass resumes.
    await syncThroughDrain(q, w.connection.id, "cron");
    expect((await one<{ status: string }>("SELECT status FROM sync_state WHERE connection_id = ?", w.connection.id))?.status).toBe("running");
    const before = requests;
    const firstAfter = traffic.length;
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3 * 60_000 });
    await syncThroughDrain(q, w.connection.id, "cron");
    vi.useRealTimers();
    // From the checkpoint (after page 1): pages 2–4 (each restarts at the last updated_at, overlapping by one).
    // From scratch it would be 4 requests. Soft, so the end state below is checked either way.
    expect.soft(requests - before, "list requests after the lease lapsed: resumed from the checkpoint, not from scratch").toBe(3);
    expect.soft(traffic[firstAfter]?.path, "the resumed pass starts at page 1's checkpoint (since=…)").toContain("since=");
    const stored = await storedIssues(w.connection.id);
    expect(new Set(stored.map((s) => s.external_id))).toEqual(new Set(sandboxIssues(w.sandbox, w.repo).map((i) => i.externalId)));
    expect((await one<{ status: string }>("SELECT status FROM connections WHERE id = ?", w.connection.id))?.status).toBe("active");
    expect((await one<{ status: string }>("SELECT status FROM sync_state WHERE connection_id = ?", w.connection.id))?.status).toBe("idle");
  });
});
