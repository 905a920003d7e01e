/**
 * Webhook bursts are applied per queue batch, not per delivery: a bulk edit of many issues costs one
 * upsert, one classification pass and one write-back run per connection, and a failure fails only
 * the deliveries it concerns.
 * Run: npx vitest run --project workers test/integration/pipeline/webhook-batch.test.ts
 */
import { describe, expect, it } from "vitest";
import { all, faultyDb, baseEnv, one, postWebhook, syncThroughDrain, usePipelineHarness } from "./harness";

const h = usePipelineHarness();

/** Titles the default pack classifies with high confidence, one constraint each. */
const TITLES = [
  "App crashes on save and loses data",
  "New users never finish onboarding: empty dashboard after sign-up",
  "Support team manually refunds every failed payment in the admin",
  "CI pipeline takes 40 minutes and blocks every release",
];

describe("a burst of webhook deliveries in one queue batch", () => {
  it("is applied together: every delivery processed once, the newest edit wins, one write-back run labels them all", async () => {
    const w = await h.github({ issues: 30, writeMode: "on", pullRequestShare: 0, seed: 5 });
    const q = h.drain({ batchSize: 40 });
    await syncThroughDrain(q, w.connection.id);
    w.sandbox.outbox.drain(); // the echoes of the first sync's own writes
    const runsBefore = (await one<{ n: number }>("SELECT count(*) AS n FROM writeback_runs WHERE connection_id = ?", w.connection.id))!.n;

    // A person bulk-edits 12 issues; issue #3 is edited twice, and its older delivery arrives last.
    const edited = Array.from({ length: 12 }, (_, i) => i + 1);
    for (const n of edited) await w.sandbox.human(w.repo, n, { title: `${TITLES[n % TITLES.length]} (#${n})` });
    w.sandbox.advanceClock(5_000);
    await w.sandbox.human(w.repo, 3, { title: "Checkout crashes with a timeout on every order" });
    const deliveries = w.sandbox.outbox.drain();
    expect(deliveries.length).toBe(13);
    const older = deliveries.findIndex((d) => d.body.includes('"number":3,') || d.body.includes('"number":3}'));
    expect(older).toBeGreaterThanOrEqual(0);
    const ordered = [...deliveries.slice(0, older), ...deliveries.slice(older + 1), deliveries[older]!];
    for (const d of ordered) expect((await postWebhook("github", d, q.env)).status).toBe(202);

    const sentBefore = q.sent("webhook").length;
    expect(sentBefore).toBeGreaterThanOrEqual(13);
    const r = await q.run();
    expect(r.retried).toBe(0);
    expect(r.deadLettered).toBe(0);

    const rows = await all<{ status: string }>(
      `SELECT status FROM webhook_deliveries WHERE tracker = 'github' AND delivery_id IN (${deliveries.map(() => "?").join(",")})`,
      ...deliveries.map((d) => d.id),
    );
    expect(rows.map((x) => x.status)).toEqual(deliveries.map(() => "processed"));
    expect((await one<{ title: string }>("SELECT title FROM issues WHERE connection_id = ? AND key = ?", w.connection.id, `${w.repo}#3`))?.title).toBe(
      "Checkout crashes with a timeout on every order",
    );

    // The connection shows the deliveries applied to it.
    const conn = await one<{ last_webhook_at: string | null; webhooks_applied: number }>(
      "SELECT last_webhook_at, webhooks_applied FROM connections WHERE id = ?",
      w.connection.id,
    );
    expect(conn?.webhooks_applied).toBe(13);
    expect(conn?.last_webhook_at).not.toBeNull();

    // One automatic run for the whole burst (per delivery it would be 13, or fewer only by luck).
    const runs = await all<{ status: string; applied: number }>(
      "SELECT status, applied FROM writeback_runs WHERE connection_id = ? ORDER BY started_at",
      w.connection.id,
    );
    expect(runs.length - runsBefore, "write-back runs started by the burst").toBe(1);
    expect(runs.at(-1)!.status).toBe("done");

    // Every edited issue the pack is sure about carries its constraint label in the tracker.
    const verdicts = await all<{ key: string; constraint_name: string | null; confidence: number }>(
      `SELECT i.key, c.constraint_name, c.confidence FROM issues i JOIN classifications c ON c.issue_id = i.id WHERE i.connection_id = ? AND i.key IN (${edited.map(() => "?").join(",")})`,
      w.connection.id,
      ...edited.map((n) => `${w.repo}#${n}`),
    );
    const sure = verdicts.filter((v) => v.constraint_name && v.confidence >= 0.8);
    expect(sure.length, "edited issues with a confident verdict").toBeGreaterThanOrEqual(6);
    for (const v of sure) {
      const n = Number(v.key.split("#")[1]);
      expect(w.sandbox.issue(w.repo, n).labels, `${v.key}`).toContain(`constraint:${v.constraint_name}`);
    }
  });

  it("a failing connection retries only the deliveries that concern it; the others are acked and recorded", async () => {
    const w = await h.github({ issues: 10, pullRequestShare: 0, seed: 9 });
    const ok = h.drain({ batchSize: 10 });
    await syncThroughDrain(ok, w.connection.id);

    await w.sandbox.human(w.repo, 2, { title: "Dashboard is slow to load" });
    const [edit] = w.sandbox.outbox.drain();
    // A delivery for a repository nobody connected (ignored), in the same batch.
    const stranger = JSON.parse(edit!.body) as { repository: { full_name: string; name: string; id: number } };
    stranger.repository = { ...stranger.repository, full_name: "other/elsewhere", name: "elsewhere", id: 999 };
    const strangerBody = JSON.stringify(stranger);
    const { createHmac } = await import("node:crypto");
    const sig = createHmac("sha256", baseEnv.GITHUB_WEBHOOK_SECRET!).update(strangerBody).digest("hex");
    const strangerDelivery = {
      id: "stranger-1",
      headers: { ...edit!.headers, "x-github-delivery": "stranger-1", "x-hub-signature-256": `sha256=${sig}` },
      body: strangerBody,
    };

    // The connection's issue upsert fails once (D1 hiccup): only its delivery is retried.
    let failures = 0;
    const db = faultyDb(baseEnv.DB, (sql, args) => {
      if (failures === 0 && sql.startsWith("SELECT id, external_id, content_hash") && args[0] === w.connection.id) {
        failures++;
        return true;
      }
      return false;
    });
    const q = h.drain({ db, batchSize: 10 });
    expect((await postWebhook("github", edit!, q.env)).status).toBe(202);
    expect((await postWebhook("github", strangerDelivery, q.env)).status).toBe(202);
    const r = await q.run();
    expect(failures).toBe(1);
    expect(r.retried, "only the connected repository's delivery is retried").toBe(1);
    expect(r.deadLettered).toBe(0);
    const statuses = await all<{ delivery_id: string; status: string }>(
      "SELECT delivery_id, status FROM webhook_deliveries WHERE tracker = 'github' AND delivery_id IN (?, ?) ORDER BY delivery_id",
      edit!.id,
      "stranger-1",
    );
    expect(Object.fromEntries(statuses.map((s) => [s.delivery_id, s.status]))).toEqual({ [edit!.id]: "processed", "stranger-1": "ignored" });
    // Counted once, when it was applied (not for the failed attempt, not for the stranger).
    expect((await one<{ webhooks_applied: number }>("SELECT webhooks_applied FROM connections WHERE id = ?", w.connection.id))?.webhooks_applied).toBe(1);
    expect((await one<{ title: string }>("SELECT title FROM issues WHERE connection_id = ? AND key = ?", w.connection.id, `${w.repo}#2`))?.title).toBe(
      "Dashboard is slow to load",
    );
  });
});
