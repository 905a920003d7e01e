/**
 * One webhook batch loads its job context once: the connection, the workspace settings and the
 * latest audit head are read once per connection, however many services the batch goes through
 * (route → upsert → classify → write-back), and the `workspace_learning` row once for both. The D1 binding is wrapped in a counting proxy inside
 * workerd; the real local D1 answers every query. Before the context: 43 calls (settings 5, audit
 * head 3, connection 3); 35 with it (1, 1, 1), then 34 once classification and write-back shared one read of `workspace_learning` (was 2).
 * Run: npx vitest run --project workers test/integration/pipeline/webhook-context.test.ts
 */
import { describe, expect, it } from "vitest";
import { baseEnv, countingDb, postWebhook, syncThroughDrain, usePipelineHarness, type D1Call } from "./harness";

const h = usePipelineHarness();

const TITLES = [
  "App crashes on save and loses data",
  "CI pipeline takes 40 minutes and blocks every release",
  "Support team manually refunds every failed payment in the admin",
];

const statementsOf = (calls: D1Call[]) => calls.flatMap((c) => (c.statements ? c.statements : [c.sql])).map((s) => s.replace(/\s+/g, " ").trim());
const reads = (calls: D1Call[], re: RegExp) => statementsOf(calls).filter((s) => /^SELECT/i.test(s) && re.test(s)).length;

describe("the D1 queries of one webhook batch", () => {
  it("read the connection, the workspace settings and the latest audit head once", async () => {
    const w = await h.github({ issues: 12, writeMode: "on", pullRequestShare: 0, seed: 5 });
    await syncThroughDrain(h.drain({ batchSize: 20 }), w.connection.id);
    w.sandbox.outbox.drain();

    const calls: D1Call[] = [];
    const q = h.drain({ db: countingDb(baseEnv.DB, calls), batchSize: 20 });
    for (let n = 1; n <= 3; n++) await w.sandbox.human(w.repo, n, { title: `${TITLES[n - 1]} (#${n})` });
    const deliveries = w.sandbox.outbox.drain();
    expect(deliveries.length).toBe(3);
    for (const d of deliveries) expect((await postWebhook("github", d, q.env)).status).toBe(202);
    calls.length = 0; // the intake's queries are not the batch's

    const batch = q.pending.splice(0);
    expect(batch.map((m) => m.body.type)).toEqual(["webhook", "webhook", "webhook"]);
    const r = await q.deliver(batch);
    expect(r.retried).toEqual([]);
    expect(r.acked.length).toBe(3);
    // The batch did its work: the three edits are stored, and one write-back run finished.
    const runs = (
      await baseEnv.DB.prepare("SELECT status FROM writeback_runs WHERE connection_id = ? ORDER BY started_at").bind(w.connection.id).all<{ status: string }>()
    ).results;
    expect(runs.at(-1)?.status).toBe("done");

    const counts = {
      total: calls.length,
      settings: reads(calls, /FROM workspace_settings/),
      auditHead: reads(calls, /FROM audit_runs/),
      connection: reads(calls, /FROM connections\b/),
      learning: reads(calls, /FROM workspace_learning\b/),
    };
    // Before the job context (#18 item 8) the same batch made 43 D1 calls: settings read 5 times,
    // the audit head 3 times, the connection 3 times (route lookup, run start, run); then 35, with
    // workspace_learning read twice (classification's live model, write-back's threshold).
    const trace = statementsOf(calls)
      .map((x) => x.slice(0, 100))
      .join("\n");
    expect(counts, trace).toEqual({ total: 34, settings: 1, auditHead: 1, connection: 1, learning: 1 });
  });
});
