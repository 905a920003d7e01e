/**
 * Every queue job loads its context once (src/services/job-context.ts): a sync-page job reads its
 * connection and the pass's sync state once however many pages it fetches (the checkpoint carries
 * the cursor forward); a classify job reads the settings, the audit head and the learning state
 * once, and hands them (with the connection, when a write-back follows) to the run it starts; an
 * audit job reads the settings once for the audit and every write-back run it starts, whose audit
 * head is the audit it just stored. The D1 binding is wrapped in a counting proxy inside workerd; the
 * real local D1 answers every query.
 *
 * Before (a 250-issue GitHub sync, three pages in one sync-page job): sync-page 16 calls (sync state
 * read 3 times), classify-then-audit 8, audit 11 (settings 2, connection 1, audit head 1), classify
 * then write-back 10 (settings 2, audit head 2). Now: 14, 8, 8 and 8.
 * Run: npx vitest run --project workers test/integration/pipeline/job-context.test.ts
 */
import { describe, expect, it } from "vitest";
import { baseEnv, countingDb, usePipelineHarness, type D1Call, type QueuedMessage } from "./harness";

const h = usePipelineHarness();

const statementsOf = (calls: D1Call[]) => calls.flatMap((c) => (c.statements ? c.statements : [c.sql])).map((s) => s.replace(/\s+/g, " ").trim());
const reads = (calls: D1Call[], re: RegExp) => statementsOf(calls).filter((s) => /^SELECT/i.test(s) && re.test(s)).length;
const trace = (calls: D1Call[]) =>
  calls.map((c) => (c.statements ? `BATCH of ${c.statements.length}: ${c.statements[0]!.slice(0, 60)}` : c.sql.replace(/\s+/g, " ").slice(0, 100))).join("\n");

const countsOf = (calls: D1Call[]) => ({
  total: calls.length,
  connection: reads(calls, /FROM connections\b/),
  syncState: reads(calls, /FROM sync_state\b/),
  settings: reads(calls, /FROM workspace_settings\b/),
  auditHead: reads(calls, /^SELECT id, created_at, dominant FROM audit_runs/),
  learning: reads(calls, /FROM workspace_learning\b/),
});

describe("the D1 queries of one job", () => {
  it("sync-page, classify and audit jobs read their context once", async () => {
    const w = await h.github({ issues: 250, writeMode: "on", pullRequestShare: 0, seed: 5 });
    const calls: D1Call[] = [];
    const q = h.drain({ db: countingDb(baseEnv.DB, calls), batchSize: 1 });
    /** Delivers the next message (it must be of this type) alone and returns the D1 calls it made. */
    const next = async (type: string): Promise<D1Call[]> => {
      const m = q.pending.shift() as QueuedMessage;
      expect(m.body.type).toBe(type);
      calls.length = 0;
      const r = await q.deliver([m]);
      expect(r.retried).toEqual([]);
      return [...calls];
    };

    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "manual" });
    await next("sync-start");
    // One sync-page job fetches all three pages (100, 100, 50 issues).
    const page = await next("sync-page");
    expect((await baseEnv.DB.prepare("SELECT count(*) AS n FROM issues WHERE connection_id = ?").bind(w.connection.id).first<{ n: number }>())?.n).toBe(250);
    expect(countsOf(page), trace(page)).toEqual({ total: 14, connection: 1, syncState: 1, settings: 0, auditHead: 0, learning: 0 });

    const classify = await next("classify");
    expect(countsOf(classify), trace(classify)).toEqual({ total: 8, connection: 0, syncState: 0, settings: 1, auditHead: 1, learning: 1 });

    const audit = await next("audit");
    // The audit started the connection's write-back run (write mode on) against the audit it stored.
    const run = await baseEnv.DB.prepare("SELECT audit_run_id FROM writeback_runs WHERE connection_id = ?")
      .bind(w.connection.id)
      .first<{ audit_run_id: string }>();
    const latest = await baseEnv.DB.prepare("SELECT id FROM audit_runs WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT 1")
      .bind(w.workspaceId)
      .first<{ id: string }>();
    expect(run?.audit_run_id).toBe(latest?.id);
    expect(countsOf(audit), trace(audit)).toEqual({ total: 8, connection: 1, syncState: 0, settings: 1, auditHead: 0, learning: 0 });

    // A classify job that a write-back follows (a webhook burst's overflow): one context for both.
    q.pending.length = 0;
    await baseEnv.DB.prepare("UPDATE writeback_runs SET status = 'done' WHERE connection_id = ?").bind(w.connection.id).run();
    await q.send({ type: "classify", workspaceId: w.workspaceId, all: false, then: "writeback", connectionId: w.connection.id });
    const classifyThenWrite = await next("classify");
    expect(q.pending.map((m) => m.body.type)).toEqual(["writeback"]);
    expect(countsOf(classifyThenWrite), trace(classifyThenWrite)).toEqual({ total: 8, connection: 1, syncState: 0, settings: 1, auditHead: 1, learning: 1 });
  });
});
