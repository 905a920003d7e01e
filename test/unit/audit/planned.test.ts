import { describe, expect, it } from "vitest";
import { DEFAULT_PLANNED, driftLevel, effortRule, isPlanned, runAudit } from "../../../src/core/audit";
import { IssueSchema, type IssueInput } from "../../../domain/types";
import { cycle, mk, NOW, pain, score, type Spec } from "./helpers";

const issue = (over: Partial<IssueInput>) =>
  IssueSchema.parse({ tracker: "linear", externalId: "1", key: "K-1", title: "t", createdAt: "2026-01-01", updatedAt: "2026-01-01", ...over });
const it_ = (kind: "cycle" | "sprint" | "milestone", state: "active" | "next" | "future" | "closed") => ({ kind, id: "x", name: "x", state });

describe("tracker-specific planned rules", () => {
  it.each([
    { name: "linear active cycle", i: { tracker: "linear", iteration: it_("cycle", "active") }, want: true },
    { name: "linear next cycle", i: { tracker: "linear", iteration: it_("cycle", "next") }, want: true },
    { name: "linear future cycle", i: { tracker: "linear", iteration: it_("cycle", "future") }, want: false },
    { name: "linear in progress, no cycle", i: { tracker: "linear", stateCategory: "in_progress" }, want: true },
    { name: "linear assigned backlog", i: { tracker: "linear", assignees: ["ann"], stateCategory: "backlog" }, want: false },
    { name: "jira active sprint", i: { tracker: "jira", iteration: it_("sprint", "active") }, want: true },
    { name: "jira next sprint", i: { tracker: "jira", iteration: it_("sprint", "next") }, want: false },
    { name: "jira in progress", i: { tracker: "jira", stateCategory: "in_progress" }, want: true },
    { name: "jira milestone kind is not a sprint", i: { tracker: "jira", iteration: it_("milestone", "active") }, want: false },
    { name: "github open milestone", i: { tracker: "github", iteration: it_("milestone", "active") }, want: true },
    { name: "github closed milestone", i: { tracker: "github", iteration: it_("milestone", "closed") }, want: false },
    { name: "github open and assigned", i: { tracker: "github", assignees: ["octocat"] }, want: true },
    { name: "github open, unassigned", i: { tracker: "github" }, want: false },
  ] as Array<{ name: string; i: Partial<IssueInput>; want: boolean }>)("$name → $want", ({ i, want }) => {
    expect(isPlanned(issue(i), DEFAULT_PLANNED)).toBe(want);
  });

  it("rules are configurable per tracker", () => {
    const r = runAudit({
      issues: [mk({ tracker: "jira", iteration: it_("sprint", "next") }), mk({ tracker: "jira" })],
      score,
      now: NOW,
      settings: { planned: { jira: { iterationKinds: ["sprint"], iterationStates: ["active", "next"], stateCategories: [], openAndAssigned: false } } },
    });
    expect(r.planned.count).toBe(1);
  });

  it("done issues in the active cycle are not planned", () => {
    const r = runAudit({ issues: [mk({ ...cycle(), stateCategory: "done" }), mk({ ...cycle() })], score, now: NOW });
    expect(r.planned.count).toBe(1);
  });
});

describe("effort basis", () => {
  it.each([
    { name: "all estimated", est: [3, 5, 8], basis: "estimate", effort: 16, fill: null },
    { name: "none estimated", est: [null, null, null], basis: "count", effort: 3, fill: null },
    { name: "mixed: missing = median of known", est: [2, 8, 4, null, null], basis: "mixed", effort: 2 + 8 + 4 + 4 + 4, fill: 4 },
    { name: "mixed: even count median", est: [2, 4, null], basis: "mixed", effort: 2 + 4 + 3, fill: 3 },
    { name: "mixed: zero median counts 1", est: [0, 0, 5, null], basis: "mixed", effort: 5 + 1, fill: 1 },
    { name: "only zero estimates fall back to count", est: [0, 0], basis: "count", effort: 2, fill: null },
  ])("$name", ({ est, basis, effort, fill }) => {
    const r = runAudit({ issues: est.map((e) => mk({ ...cycle(), estimate: e })), score, now: NOW });
    expect(r.planned).toMatchObject({ basis, effort, fillValue: fill, count: est.length });
    expect(r.planned.note.length).toBeGreaterThan(10);
  });

  it("effortRule with nothing planned says so", () => {
    expect(effortRule([], 0)).toMatchObject({ basis: "count", note: "No planned work." });
  });
});

describe("drift", () => {
  it.each([
    { drift: 0, level: "aligned" },
    { drift: 0.35, level: "aligned" },
    { drift: 0.3501, level: "watch" },
    { drift: 0.6, level: "watch" },
    { drift: 0.6001, level: "drifted" },
    { drift: 1, level: "drifted" },
    { drift: null, level: "unknown" },
  ] as const)("driftLevel($drift) = $level", ({ drift, level }) => {
    expect(driftLevel(drift, { alignedMax: 0.35, watchMax: 0.6 })).toBe(level);
  });

  // 20 points of planned effort; the dominant is reliability (lots of open evidence).
  const plan = (offPoints: number): Spec[] => [
    ...Array.from({ length: 10 }, () => ({ c: "reliability" as const, priority: 1 })),
    { c: "reliability", ...cycle(), estimate: 20 - offPoints },
    ...(offPoints ? [{ c: "adoption" as const, ...cycle(), estimate: offPoints }] : []),
  ];
  it.each([
    { off: 7, level: "aligned" },
    { off: 8, level: "watch" },
    { off: 12, level: "watch" },
    { off: 13, level: "drifted" },
  ])("at the edges with 20 points: $off off → $level", ({ off, level }) => {
    const r = runAudit({ issues: plan(off).map(mk), score, now: NOW, settings: { drift: { alignedMax: 0.35, watchMax: 0.6 } } });
    expect(r.dominant.constraint).toBe("reliability");
    expect(r.drift.value).toBeCloseTo(off / 20);
    expect(r.drift.level).toBe(level);
  });

  it("thresholds are configurable", () => {
    const r = runAudit({ issues: plan(5).map(mk), score, now: NOW, settings: { drift: { alignedMax: 0.2 } } });
    expect(r.drift.level).toBe("watch");
  });

  it("unclassified planned work counts as off-constraint and is listed", () => {
    const r = runAudit({
      issues: [...plan(0), { c: null, ...cycle(), estimate: 5, key: "ENG-U" }].map(mk),
      score,
      now: NOW,
    });
    expect(r.drift).toMatchObject({ offConstraintEffort: 5, unclassifiedEffort: 5 });
    expect(r.drift.value).toBeCloseTo(5 / 25);
    expect(r.flags.unclassifiedPlanned.rows.map((x) => x.key)).toEqual(["ENG-U"]);
  });

  it("nothing planned → unknown level", () => {
    const r = runAudit({ issues: [mk(pain("reliability"))], score, now: NOW });
    expect(r.dominant.constraint).toBe("reliability");
    expect(r.drift).toMatchObject({ value: null, level: "unknown" });
    expect(r.headline).toMatch(/nothing is planned/);
  });
});
