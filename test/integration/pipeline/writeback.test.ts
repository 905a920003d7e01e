/**
 * Write-back fault tests: a crash between the tracker write and the ledger update, and a
 * human's label removal holding through 100 sync → classify → write-back cycles.
 * Run: npx vitest run --project workers test/integration/pipeline
 */
import { describe, expect, it } from "vitest";
import { all, baseEnv, faultyDb, type GithubWorld, postWebhook, sandboxIssues, traffic, usePipelineHarness } from "./harness";

const h = usePipelineHarness();

/* ----------------------------------------------------------------
 * Write-back survives a crash between the tracker write and the ledger update:
 * the queue retries the job, the connector's ensure* calls converge on what is
 * already in the tracker, and nothing is written twice.
 */
const MARKER = "backlog-auditor:verdict:";

/** Tracker-side writes per issue number, from the requests the Worker sent. */
function writesPerIssue(kind: "comments" | "labels"): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of traffic) {
    const m = new RegExp(`^/github/api/repos/[^/]+/[^/]+/issues/(\\d+)/${kind}(?:\\?|$)`).exec(t.path);
    if (t.method === "POST" && m) out.set(Number(m[1]), (out.get(Number(m[1])) ?? 0) + 1);
  }
  return out;
}

function expectNoDoubleWrites(w: GithubWorld) {
  for (const i of sandboxIssues(w.sandbox, w.repo)) {
    const ours = (i.issue.comments ?? []).filter((c) => c.body.includes(MARKER));
    expect(ours.length, `${w.repo}#${i.number} has at most one verdict comment`).toBeLessThanOrEqual(1);
    const constraintLabels = i.labels.filter((l) => l.toLowerCase().startsWith("constraint:"));
    expect(constraintLabels.length, `${w.repo}#${i.number} carries at most one constraint label`).toBeLessThanOrEqual(1);
  }
  for (const [n, count] of writesPerIssue("comments")) expect(count, `comment creates on #${n}`).toBe(1);
  for (const [n, count] of writesPerIssue("labels")) expect(count, `label adds on #${n}`).toBe(1);
}

describe.each([
  ["label", (args: unknown[]) => args[1] === null],
  ["comment", (args: unknown[]) => args[1] !== null],
] as const)("a crash right after a tracker %s write, before its ledger row is marked applied", (kind, isKind) => {
  it("is retried by the queue without a double write, and the ledger ends applied", async () => {
    const w = await h.github({ issues: 16, writeMode: "on", pullRequestShare: 0, seed: 21 });
    let state: "armed" | "crashed" | "recovered" = "armed";
    let crashedOn: unknown[] = [];
    const db = faultyDb(baseEnv.DB, (sql, args) => {
      if (state === "crashed") return true; // the isolate is gone: nothing else lands
      if (state === "armed" && sql.startsWith("UPDATE writeback_ledger SET outcome") && args[0] === "applied" && isKind(args)) {
        state = "crashed";
        crashedOn = args;
        return true;
      }
      return false;
    });
    const q = h.drain({ db, batchSize: 1 });
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "connect" });
    const r = await q.run({
      afterBatch: () => {
        if (state === "crashed") state = "recovered";
      },
    });
    expect(state, `a ${kind} write happened and its ledger update crashed`).toBe("recovered");
    expect(q.events.filter((e) => e.via === "retry").map((e) => e.type)).toEqual(["writeback"]);
    expect(r.deadLettered).toBe(0);

    // The crashed row's write is in the tracker exactly once.
    const [row] = await all<{ external_id: string; issue_key: string; action: string; outcome: string }>(
      "SELECT external_id, issue_key, action, outcome FROM writeback_ledger WHERE id = ?",
      crashedOn[3],
    );
    expect(row).toBeDefined();
    const n = Number(row!.issue_key.split("#")[1]);
    if (kind === "comment") expect(writesPerIssue("comments").get(n)).toBe(1);
    else expect(writesPerIssue("labels").get(n)).toBe(1);
    expectNoDoubleWrites(w);

    // Another full cycle (incremental sync → classify → audit → write-back) creates nothing again
    // (it may edit verdict comments whose scores moved now that an audit exists).
    const t0 = traffic.length;
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "cron" });
    await q.run();
    const creates = traffic
      .slice(t0)
      .filter((t) => t.method === "POST")
      .map((t) => t.path);
    expect(creates, "tracker creates in the second cycle").toEqual([]);
    expectNoDoubleWrites(w);

    // Every real write is recorded as applied, the crashed one included; nothing is left planned or failed.
    const ledger = await all<{ id: string; outcome: string; action: string; issue_key: string }>(
      "SELECT id, outcome, action, issue_key FROM writeback_ledger WHERE connection_id = ? AND mode = 'on'",
      w.connection.id,
    );
    expect(ledger.length).toBeGreaterThan(0);
    expect.soft(ledger.filter((l) => l.outcome !== "applied").map((l) => `${l.issue_key} ${l.action}: ${l.outcome}`)).toEqual([]);
    const runs = await all<{ status: string }>("SELECT status FROM writeback_runs WHERE connection_id = ?", w.connection.id);
    expect(runs.every((x) => x.status === "done")).toBe(true);
  });

  it("a ledger update that fails once after the write landed is not recorded as a failed write", async () => {
    const w = await h.github({ issues: 16, writeMode: "on", pullRequestShare: 0, seed: 23 });
    // One D1 failure, and D1 is fine again at once: the row must not be marked `failed` (its write is in the tracker).
    let failedOn: unknown[] | null = null;
    const db = faultyDb(baseEnv.DB, (sql, args) => {
      if (failedOn || !sql.startsWith("UPDATE writeback_ledger SET outcome") || args[0] !== "applied" || !isKind(args)) return false;
      failedOn = args;
      return true;
    });
    const q = h.drain({ db, batchSize: 1 });
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "connect" });
    const r = await q.run();
    expect(failedOn, `a ${kind} ledger update failed once`).not.toBeNull();
    expect(r.deadLettered).toBe(0);
    expect(q.events.filter((e) => e.via === "retry").map((e) => e.type)).toEqual(["writeback"]);
    const [row] = await all<{ outcome: string }>("SELECT outcome FROM writeback_ledger WHERE id = ?", failedOn![3]);
    expect(row?.outcome).toBe("applied");
    const ledger = await all<{ outcome: string; action: string; issue_key: string }>(
      "SELECT outcome, action, issue_key FROM writeback_ledger WHERE connection_id = ? AND mode = 'on'",
      w.connection.id,
    );
    expect(ledger.filter((l) => l.outcome !== "applied").map((l) => `${l.issue_key} ${l.action}: ${l.outcome}`)).toEqual([]);
    expectNoDoubleWrites(w);
  });
});

/* ----------------------------------------------------------------
 * A person removes a label the bot applied; then 100 full cycles (incremental
 * sync → classify → audit → write-back, webhooks delivered in between) never
 * put it back: the override is recorded once and holds.
 */
const CYCLES = 100;

describe("a human removes a bot label", () => {
  it(`stays removed through ${CYCLES} sync → classify → write-back cycles`, async () => {
    const w = await h.github({ issues: 10, writeMode: "on", pullRequestShare: 0, seed: 31 });
    const q = h.drain();
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "connect" });
    await q.run();
    const labelled = sandboxIssues(w.sandbox, w.repo).find((i) => i.labels.some((l) => l.startsWith("constraint:")));
    expect(labelled, "the first write-back applied a constraint label").toBeDefined();
    const label = labelled!.labels.find((l) => l.startsWith("constraint:"))!;
    const n = labelled!.number;
    const addsTo = (path: string) => new RegExp(`^/github/api/repos/${w.repo}/issues/${n}/labels(\\?|$)`).test(path);
    expect(traffic.filter((t) => t.method === "POST" && addsTo(t.path))).toHaveLength(1);

    await w.sandbox.human(w.repo, n, { removeLabels: [label] });
    expect(w.sandbox.issue(w.repo, n).labels).not.toContain(label);

    const writesPerCycle: number[] = [];
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const writes = w.sandbox.stats.writes;
      // The tracker's webhooks (the human's edit, our own echoes) reach the Worker, then the cron's incremental sync.
      for (const d of w.sandbox.outbox.drain()) await postWebhook("github", d, q.env);
      await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "cron" });
      await q.run();
      expect(w.sandbox.issue(w.repo, n).labels, `cycle ${cycle}: ${label} is back on #${n}`).not.toContain(label);
      writesPerCycle.push(w.sandbox.stats.writes - writes);
    }
    expect(
      traffic.filter((t) => t.method === "POST" && addsTo(t.path)),
      "label adds on the overridden issue",
    ).toHaveLength(1);
    // Write-back converges: after the first few cycles nothing is written at all.
    expect(
      writesPerCycle.slice(-90).reduce((a, b) => a + b, 0),
      `writes per cycle: ${writesPerCycle.join(",")}`,
    ).toBe(0);

    const overrides = await all<{ label: string }>(
      "SELECT label FROM label_overrides WHERE connection_id = ? AND external_id = ?",
      w.connection.id,
      labelled!.externalId,
    );
    expect(overrides.map((o) => o.label.toLowerCase())).toEqual([label.toLowerCase()]);
    const observed = await all<{ target: string; outcome: string; mode: string }>(
      "SELECT target, outcome, mode FROM writeback_ledger WHERE connection_id = ? AND external_id = ? AND action = 'human_override'",
      w.connection.id,
      labelled!.externalId,
    );
    expect(observed).toEqual([{ target: expect.stringMatching(new RegExp(`^${label}$`, "i")), outcome: "recorded", mode: "observed" }]);
  });
});
