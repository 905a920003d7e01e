import { describe, expect, it } from "vitest";
import {
  WritebackPlanSchema,
  planToDiffRows,
  planToLedgerRows,
  planWriteBack,
  summarizePlan,
  writesOf,
  type IssueFacts,
  type WritebackSettings,
} from "../../../src/core/writeback";
import { SETTINGS, apply, commentsOf, facts, humanRemoves, labelsOf } from "./helpers";

const run = (issues: IssueFacts[], settings: Partial<WritebackSettings> = {}, dominant: "reliability" | null = "reliability") =>
  planWriteBack({ issues, settings: { ...SETTINGS, ...settings }, auditRunId: "run-1", dominant, reportUrl: "https://app.example/r/1" });

/** A mixed backlog: fresh verdicts, a verdict change, a stale label, a human label, an abstain. */
const backlog = (): IssueFacts[] => [
  facts({ id: "1", c: "reliability", impact: 5 }),
  facts({ id: "2", c: "adoption", impact: 4 }),
  facts({ id: "3", c: "throughput", labels: ["constraint:reliability"], applied: ["constraint:reliability"], impact: 2 }),
  facts({ id: "4", c: null, labels: ["constraint:operations", "bug"], applied: ["constraint:operations"] }),
  facts({ id: "5", c: "reliability", labels: ["constraint:activation"] }),
  facts({ id: "6", c: "reliability", conf: 0.3 }),
  facts({ id: "7", c: "reliability", impact: 1 }),
];

describe("mode (rule 6)", () => {
  it("off: no actions, every issue skipped as 'write-back is off'", () => {
    const plan = run(backlog(), { mode: "off" });
    expect(plan.actions).toEqual([]);
    expect(plan.capped).toBe(0);
    expect(plan.skipped).toHaveLength(7);
    expect(new Set(plan.skipped.map((s) => s.reason))).toEqual(new Set(["write-back is off"]));
    expect(plan.counts.writes).toBe(0);
  });

  it("off still reports a person's removal as an override (an observation, not a write)", () => {
    const plan = run([facts({ applied: ["constraint:reliability"] })], { mode: "off" });
    expect(plan.newOverrides.map((o) => o.label)).toEqual(["constraint:reliability"]);
  });

  it("dry-run and on give the same plan", () => {
    expect(run(backlog(), { mode: "dry-run" })).toEqual(run(backlog(), { mode: "on" }));
  });

  it("the plan validates against its zod schema", () => {
    expect(() => WritebackPlanSchema.parse(run(backlog()))).not.toThrow();
  });
});

describe("ordering and the cap (rule 7)", () => {
  it("orders dominant adds, then other label changes, then comment creates/updates, then deletes", () => {
    const plan = run([...backlog(), facts({ id: "8", c: null, comment: { id: "c8", bodyHash: "x" } })]);
    const order = plan.actions.map((a) => (a.kind === "labels" ? `L${a.externalId}` : `C${a.externalId}:${a.op}`));
    // #5 carries a person's constraint:activation that disagrees with the verdict: no label, no comment.
    expect(order).toEqual(["L1", "L7", "L2", "L4", "L3", "C1:create", "C2:create", "C3:create", "C7:create", "C8:delete"]);
  });

  it("is deterministic whatever the input order", () => {
    const a = run(backlog());
    const b = run(backlog().reverse());
    expect(b.actions).toEqual(a.actions);
  });

  it.each([
    { max: 0, kept: [], capped: 9 },
    { max: 1, kept: ["L1"], capped: 8 },
    { max: 3, kept: ["L1", "L7", "L2"], capped: 6 },
    { max: 4, kept: ["L1", "L7", "L2", "L4"], capped: 5 },
    // L3 swaps two labels (2 writes): with 1 write left it does not fit, and nothing after it jumps the queue.
    { max: 5, kept: ["L1", "L7", "L2", "L4"], capped: 5 },
    { max: 6, kept: ["L1", "L7", "L2", "L4", "L3"], capped: 4 },
    { max: 1000, kept: ["L1", "L7", "L2", "L4", "L3", "C1", "C2", "C3", "C7"], capped: 0 },
  ])("maxWrites $max keeps $kept", ({ max, kept, capped }) => {
    const plan = run(backlog(), { maxWrites: max });
    expect(plan.actions.map((a) => `${a.kind === "labels" ? "L" : "C"}${a.externalId}`)).toEqual(kept);
    expect(plan.capped).toBe(capped);
    expect(plan.counts.writes).toBeLessThanOrEqual(max);
    expect(plan.counts.writes).toBe(plan.actions.reduce((n, a) => n + writesOf(a), 0));
    expect(plan.skipped.filter((s) => s.reason.includes("write cap")).length).toBe(capped);
    expect(plan.counts.writes + plan.counts.cappedWrites).toBe(10);
  });
});

describe("idempotence (rule 8)", () => {
  it("planning against facts that reflect the executed plan yields zero actions", () => {
    let state = backlog();
    const first = run(state);
    expect(first.actions.length).toBeGreaterThan(0);
    state = apply(state, first);
    const second = run(state);
    expect(second.actions).toEqual([]);
    expect(second.newOverrides).toEqual([]);
  });

  it("converges under a small cap in a few runs, then stays at zero", () => {
    let state = backlog();
    let runs = 0;
    for (; runs < 20; runs++) {
      const p = run(state, { maxWrites: 2 });
      if (p.actions.length === 0) break;
      expect(p.counts.writes).toBeLessThanOrEqual(2);
      state = apply(state, p);
    }
    expect(runs).toBeGreaterThan(1);
    expect(runs).toBeLessThan(20);
    expect(run(state).actions).toEqual([]);
  });

  it("an audit change converges too: verdict flips, then nothing", () => {
    let state = apply(backlog(), run(backlog()));
    state = state.map((f) => (f.issue.externalId === "1" ? { ...f, classification: { ...f.classification, constraint: "operations" } } : f));
    const p = run(state);
    expect(planToDiffRows(p).map((r) => `${r.key} ${r.change}`)).toEqual([
      "acme/app#1 - constraint:reliability",
      "acme/app#1 + constraint:operations",
      "acme/app#1 comment: update",
    ]);
    expect(run(apply(state, p)).actions).toEqual([]);
  });
});

describe("human override loop (rule 3)", () => {
  it.each([
    { name: "the lead drops the label from appliedByUs", keepApplied: false },
    { name: "the lead keeps listing it in appliedByUs", keepApplied: true },
  ])("a label a person removed is never re-added in 100 cycles ($name)", ({ keepApplied }) => {
    let state = [facts({ id: "1", c: "reliability" }), facts({ id: "2", c: "adoption" })];
    state = apply(state, run(state));
    expect(state[0]!.issue.labels).toEqual(["constraint:reliability"]);
    state = humanRemoves(state, "1", "constraint:reliability");

    let overridesSeen = 0;
    for (let i = 0; i < 100; i++) {
      const p = run(state);
      overridesSeen += p.newOverrides.length;
      for (const a of labelsOf(p)) expect(a.add).not.toContain("constraint:reliability");
      const next = apply(state, p);
      state = keepApplied ? next.map((f) => (f.issue.externalId === "1" ? { ...f, appliedByUs: ["constraint:reliability"] } : f)) : next;
    }
    expect(overridesSeen).toBe(1);
    expect(state[0]!.issue.labels).toEqual([]);
    expect(state[0]!.overrides).toEqual(["constraint:reliability"]);
    expect(state[0]!.comment).toBeNull();
    expect(state[1]!.issue.labels).toEqual(["constraint:adoption"]);
  });

  it("the override is for one issue only", () => {
    const p = run([facts({ id: "1", overrides: ["constraint:reliability"] }), facts({ id: "2" })]);
    expect(labelsOf(p).map((a) => a.externalId)).toEqual(["2"]);
  });
});

describe("actions carry the decisive rule and a reason", () => {
  it.each([
    {
      name: "top reason",
      spec: {
        reasons: [
          { ruleId: "weak", source: "rule" as const, constraint: "reliability" as const, weight: 1, field: "title", match: "x" },
          { ruleId: "strong", source: "rule" as const, constraint: "reliability" as const, weight: 5, field: "title", match: "y" },
          { ruleId: "other", source: "rule" as const, constraint: "adoption" as const, weight: 9, field: "title", match: "z" },
        ],
      },
      ruleId: "strong",
    },
    { name: "model without reasons", spec: { reasons: [], decidedBy: "model" as const }, ruleId: "model" },
    { name: "removal with no verdict", spec: { c: null, labels: ["constraint:adoption"], applied: ["constraint:adoption"] }, ruleId: "label" },
  ])("$name → $ruleId", ({ spec, ruleId }) => {
    const a = run([facts(spec)]).actions[0]!;
    expect(a.ruleId).toBe(ruleId);
    expect(a.reason.length).toBeGreaterThan(10);
  });
});

describe("summaries", () => {
  it("summarizePlan counts by kind and op; diff and ledger rows list every write", () => {
    const plan = run([...backlog(), facts({ id: "8", c: null, comment: { id: "c8", bodyHash: "x", body: "old" } })]);
    expect(summarizePlan(plan)).toEqual(plan.counts);
    expect(plan.counts).toMatchObject({
      issues: 8,
      labelAdds: 4,
      labelRemoves: 2,
      commentCreates: 4,
      commentUpdates: 0,
      commentDeletes: 1,
      writes: 11,
      capped: 0,
    });
    const rows = planToDiffRows(plan);
    expect(rows).toHaveLength(plan.counts.writes);
    expect(rows.filter((r) => r.key === "acme/app#3").map((r) => r.change)).toEqual(["- constraint:reliability", "+ constraint:throughput", "comment: create"]);
    const ledger = planToLedgerRows(plan);
    expect(ledger).toHaveLength(plan.counts.writes);
    expect(ledger.find((r) => r.action === "comment_delete")).toMatchObject({ beforeValue: JSON.stringify({ hash: "x", body: "old" }), afterValue: null });
    const created = ledger.find((r) => r.action === "comment_create")!;
    expect(JSON.parse(created.afterValue!)).toMatchObject({ hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(commentsOf(plan).every((c) => c.marker.startsWith("backlog-auditor:"))).toBe(true);
  });

  it("new overrides become human_override ledger rows", () => {
    const plan = run([facts({ applied: ["constraint:reliability"] })]);
    expect(planToLedgerRows(plan)).toEqual([
      expect.objectContaining({
        action: "human_override",
        target: "constraint:reliability",
        issueKey: "acme/app#1",
        reason: "removed by a person after we applied it",
      }),
    ]);
  });
});
