/**
 * Undo of a write-back run runs as the write-back does: its tracker reads and writes are bounded
 * (Linear: 4 in flight), not sequential; a rate limit midway stops it with the ledger consistent
 * (every revert that landed is `applied`, the refused one is still `planned`, nothing `failed`), and
 * asking again reverts the rest without reverting anything twice; a crash between a revert and its
 * ledger update is found on the tracker the next time, not redone.
 * Run: npx vitest run --project workers test/integration/pipeline/undo.test.ts
 */
import { describe, expect, it } from "vitest";
import { isConnectorError } from "../../../connectors/errors";
import { setSyncScopes } from "../../../src/db/connections";
import { defaultDeps } from "../../../src/deps";
import { getConfig } from "../../../src/env";
import { undoWritebackRun } from "../../../src/services/writeback";
import { all, baseEnv, faultyDb, flight, linearIssues, one, syncThroughDrain, usePipelineHarness, type LinearWorld } from "./harness";

const h = usePipelineHarness();

interface Row {
  id: string;
  external_id: string;
  action: string;
  target: string;
  rule_id: string | null;
  outcome: string;
}

const labelsNow = (w: LinearWorld) => new Map(linearIssues(w).map((i) => [i.externalId, [...i.labels].sort()]));
const commentsNow = (w: LinearWorld) => new Map(linearIssues(w).map((i) => [i.externalId, w.sandbox.commentsOf(i.externalId).length]));

/** A Linear team after one write-back run in `on` mode (labels and comments on most issues), and the state before it. */
async function afterOneRun(seed: number) {
  const w = await h.linear({ issues: 24, seed, writeMode: "on" });
  const labels = labelsNow(w);
  const comments = commentsNow(w);
  const r = await syncThroughDrain(h.drain(), w.connection.id);
  expect(r.deadLettered).toBe(0);
  const run = (await one<{ id: string; status: string }>(
    "SELECT id, status FROM writeback_runs WHERE connection_id = ? AND mode = 'on' ORDER BY started_at DESC LIMIT 1",
    w.connection.id,
  ))!;
  expect(run.status).toBe("done");
  const wrote = await rows(run.id, "applied", false);
  expect(wrote.length, "the run wrote something to undo").toBeGreaterThan(12);
  expect(labelsNow(w)).not.toEqual(labels);
  return { w, run, before: { labels, comments }, wrote };
}

/** The run's ledger rows in mode `on` with this outcome, the undo's (rule "undo") or the run's own. */
const rows = (runId: string, outcome: string, undo: boolean) =>
  all<Row>(
    `SELECT id, external_id, action, target, rule_id, outcome FROM writeback_ledger
     WHERE run_id = ? AND mode = 'on' AND action <> 'human_override' AND outcome = ? AND (rule_id = 'undo') = ?`,
    runId,
    outcome,
    undo ? 1 : 0,
  );

/** Each written row and the undo row that reverts it (same issue, same label or comment marker). */
const subject = (r: Row) => `${r.external_id}|${r.action.startsWith("label") ? "label" : "comment"}|${r.target.toLowerCase()}`;

const undo = (w: LinearWorld, runId: string, db: D1Database = baseEnv.DB) =>
  undoWritebackRun(db, getConfig(baseEnv), defaultDeps(), { workspaceId: w.workspaceId, runId });

describe("undo of a write-back run", () => {
  it("keeps more than one tracker request in flight (the connector's bound, never more) and reverts exactly what the run wrote", async () => {
    const { w, run, before, wrote } = await afterOneRun(3);
    flight.delayMs = 20;
    flight.peak = 0;
    const r = await undo(w, run.id);
    expect(flight.peak, "bounded-concurrent, not sequential").toBeGreaterThan(1);
    expect(flight.peak, "within Linear's writeConcurrency").toBeLessThanOrEqual(4);
    expect(r).toMatchObject({ reverted: wrote.length, failed: 0, skipped: [] });
    expect(labelsNow(w)).toEqual(before.labels);
    expect(commentsNow(w)).toEqual(before.comments);
    const undone = await rows(run.id, "applied", true);
    expect(undone.map(subject).sort()).toEqual(wrote.map(subject).sort());
    expect(await rows(run.id, "planned", true)).toEqual([]);
    expect((await one<{ status: string }>("SELECT status FROM writeback_runs WHERE id = ?", run.id))?.status).toBe("undone");
  });

  it("stopped by a rate limit midway leaves the ledger consistent; asked again it reverts the rest, nothing twice", async () => {
    const { w, run, before, wrote } = await afterOneRun(5);
    // The sixth mutation of the undo is answered 429 (after the reads, while other writes are in flight).
    let mutations = 0;
    flight.delayMs = 10;
    flight.before = async (tracker, request) => {
      if (tracker !== "linear" || request.method !== "POST") return;
      if ((await request.clone().text()).trimStart().includes("mutation") && ++mutations === 6) w.sandbox.faults.queue("429");
    };
    const stopped = await undo(w, run.id).catch((e: unknown) => e);
    expect(isConnectorError(stopped) && stopped.code).toBe("rate-limited");
    flight.before = null;

    // Consistent: what the ledger calls reverted is reverted on the tracker; the refused write is
    // still planned (and did not land); nothing is marked failed; the run can be undone again.
    const applied = await rows(run.id, "applied", true);
    const planned = await rows(run.id, "planned", true);
    expect(applied.length).toBeGreaterThan(0);
    expect(planned.length).toBeGreaterThan(0);
    expect(await rows(run.id, "failed", true)).toEqual([]);
    const labels = labelsNow(w);
    for (const u of [...applied, ...planned].filter((x) => x.action.startsWith("label"))) {
      const has = (labels.get(u.external_id) ?? []).some((l) => l.toLowerCase() === u.target.toLowerCase());
      const reverted = u.action === "label_remove" ? !has : has;
      expect(reverted, `${u.outcome} ${u.action} ${u.target} on ${u.external_id}`).toBe(u.outcome === "applied");
    }
    expect((await one<{ status: string }>("SELECT status FROM writeback_runs WHERE id = ?", run.id))?.status).toBe("done");

    const again = await undo(w, run.id);
    expect(again?.failed).toBe(0);
    expect(applied.length + again!.reverted, "every written row reverted once in all").toBe(wrote.length);
    expect(labelsNow(w)).toEqual(before.labels);
    expect(commentsNow(w)).toEqual(before.comments);
    const undone = await rows(run.id, "applied", true);
    expect(undone.map(subject).sort(), "one applied undo row per written row").toEqual(wrote.map(subject).sort());
    expect(await rows(run.id, "planned", true)).toEqual([]);
    // The interrupted rows were reused, not recorded twice.
    expect((await all<Row>("SELECT id FROM writeback_ledger WHERE run_id = ? AND rule_id = 'undo'", run.id)).length).toBe(wrote.length);

    // A third undo finds nothing left to revert and writes nothing.
    mutations = 0;
    flight.before = async (tracker, request) => {
      if (tracker === "linear" && request.method === "POST" && (await request.clone().text()).trimStart().includes("mutation")) mutations++;
    };
    expect(await undo(w, run.id)).toMatchObject({ reverted: 0, failed: 0 });
    expect(mutations).toBe(0);
  });

  it("after a crash between a revert and its ledger update, finds the revert on the tracker instead of redoing it", async () => {
    const { w, run, before, wrote } = await afterOneRun(7);
    // Every ledger update after the third "applied" fails: the isolate is gone, the tracker kept the writes.
    let appliedUpdates = 0;
    const crashing = faultyDb(
      baseEnv.DB,
      (sql, args) => sql.startsWith("UPDATE writeback_ledger SET outcome") && args[0] === "applied" && ++appliedUpdates > 3,
    );
    await expect(undo(w, run.id, crashing)).rejects.toThrow(/injected D1 failure/);
    expect(await rows(run.id, "failed", true)).toEqual([]);
    const planned = await rows(run.id, "planned", true);
    expect(planned.length).toBeGreaterThan(0);

    const again = await undo(w, run.id);
    expect(again).toMatchObject({ failed: 0, skipped: [] });
    expect(labelsNow(w)).toEqual(before.labels);
    expect(commentsNow(w)).toEqual(before.comments);
    expect((await rows(run.id, "applied", true)).map(subject).sort()).toEqual(wrote.map(subject).sort());
    expect(await rows(run.id, "planned", true)).toEqual([]);
    expect((await all<Row>("SELECT id FROM writeback_ledger WHERE run_id = ? AND rule_id = 'undo'", run.id)).length).toBe(wrote.length);
  });

  it("addresses each issue through its own sync scope, not the connection's first one", async () => {
    const { w, run, before } = await afterOneRun(9);
    // The connection now syncs a second team too, listed first: Linear's label lookup is per team.
    await setSyncScopes(baseEnv.DB, w.workspaceId, w.connection.id, [{ kind: "team", id: "team-other", name: "Other (OTH)" }, w.scope]);
    const teams: string[] = [];
    flight.before = async (tracker, request) => {
      if (tracker !== "linear" || request.method !== "POST") return;
      const body = JSON.parse(await request.clone().text()) as { variables?: { labelFilter?: unknown } };
      const filter = JSON.stringify(body.variables?.labelFilter ?? null);
      for (const m of filter.matchAll(/"team":\{"id":\{"eq":"([^"]+)"\}\}/g)) teams.push(m[1]!);
    };
    const r = await undo(w, run.id);
    flight.before = null;
    expect(r).toMatchObject({ failed: 0, skipped: [] });
    expect(teams.length, "the undo looked labels up").toBeGreaterThan(0);
    expect(new Set(teams)).toEqual(new Set([w.scope.id]));
    expect(labelsNow(w)).toEqual(before.labels);
  });
});
