import { describe, expect, it } from "vitest";
import { AuditReportSchema, runAudit, wishListReasons } from "../../../src/core/audit";
import { cycle, mk, NOW, score, type Spec } from "./helpers";

const evidenceFor = (n: number): Spec[] => Array.from({ length: n }, () => ({ c: "reliability" as const, priority: 1 }));
const audit = (specs: Spec[], settings = {}) => runAudit({ issues: [...evidenceFor(6), ...specs].map(mk), score, now: NOW, settings });

describe("wish-list reasons", () => {
  it.each([
    { s: [3, 3, 3, 3], want: [] },
    { s: [3, 2, 3, 3], want: ["weak-evidence"] },
    { s: [4, 2, 3, 3], want: ["exciting-weak"] },
    { s: [5, 1, 3, 3], want: ["exciting-weak"] },
    { s: [4, 3, 3, 3], want: [] },
    { s: [3, 3, 4, 2], want: ["easy-off-stage"] },
    { s: [3, 3, 4, 3], want: [] },
    { s: [3, 3, 3, 1], want: [] },
    { s: [4, 1, 5, 1], want: ["exciting-weak", "easy-off-stage"] },
    // Strong evidence is not a wish, even when easy and off-stage.
    { s: [3, 4, 5, 1], want: [] },
    { s: [3, 5, 4, 2], want: [] },
  ] as const)("scores $s → $want", ({ s, want }) => {
    const [impact, evidence, confidence, timing] = s;
    expect(wishListReasons({ impact, evidence, confidence, timing }, 2).map((r) => r.kind)).toEqual(want);
  });
});

describe("wish-list items in the audit", () => {
  it("only planned, off-constraint, weak items, biggest effort first, with reasons", () => {
    const r = audit([
      { key: "W-1", c: "adoption", ...cycle(), estimate: 3, s: [5, 1, 3, 3] },
      { key: "W-2", c: "throughput", ...cycle(), estimate: 8, s: [3, 3, 5, 1] },
      { key: "W-3", c: "adoption", ...cycle(), estimate: 2, s: [2, 2, 2, 2] },
      { key: "OK-strong", c: "adoption", ...cycle(), estimate: 5, s: [3, 4, 3, 3] },
      { key: "OK-on", c: "reliability", ...cycle(), estimate: 5, s: [5, 1, 3, 3] },
      { key: "OK-unplanned", c: "adoption", s: [5, 1, 3, 3] },
    ]);
    expect(r.wishList.total).toBe(3);
    expect(r.wishList.rows.map((x) => x.key)).toEqual(["W-2", "W-1", "W-3"]);
    expect(r.wishList.rows.map((x) => x.reasons[0])).toEqual([
      "easy but off-stage: confidence 5/5, timing 1/5",
      "exciting but weak evidence: impact 5/5, evidence 1/5",
      "weak evidence (2/5) for work off the bottleneck",
    ]);
    expect(r.wishList.rows[0]).toMatchObject({ planned: true, effort: 8, scores: { impact: 3, evidence: 3, confidence: 5, timing: 1 } });
  });

  it("caps rows at maxRows but reports the total", () => {
    const many = Array.from({ length: 7 }, (): Spec => ({ c: "adoption", ...cycle(), estimate: 1, s: [3, 1, 3, 3] }));
    const r = audit(many, { maxRows: 3 });
    expect(r.wishList).toMatchObject({ total: 7 });
    expect(r.wishList.rows).toHaveLength(3);
  });

  it("drifted plans get a cut-or-park recommendation naming the items", () => {
    const r = audit([
      { key: "W-1", c: "adoption", ...cycle(), estimate: 8, s: [5, 1, 3, 3] },
      { key: "ON", c: "reliability", ...cycle(), estimate: 2 },
    ]);
    expect(r.drift.level).toBe("drifted");
    const cut = r.recommendations.find((x) => x.kind === "cut-wish-list");
    expect(cut?.text).toContain("W-1");
    expect(cut?.issues.map((x) => x.key)).toEqual(["W-1"]);
  });

  it("aligned plans do not get a cut recommendation", () => {
    const r = audit([
      { key: "W-1", c: "adoption", ...cycle(), estimate: 1, s: [5, 1, 3, 3] },
      { key: "ON", c: "reliability", ...cycle(), estimate: 9 },
    ]);
    expect(r.drift.level).toBe("aligned");
    expect(r.wishList.total).toBe(1);
    expect(r.recommendations.some((x) => x.kind === "cut-wish-list")).toBe(false);
  });
});

describe("missing from the plan", () => {
  it("strong-evidence, open, unplanned work on the dominant constraint, strongest first", () => {
    const r = audit([
      { key: "M-4", c: "reliability", s: [3, 4, 3, 3] },
      { key: "M-5", c: "reliability", s: [3, 5, 3, 3] },
      { key: "no-weak", c: "reliability", s: [5, 3, 3, 3] },
      { key: "no-planned", c: "reliability", ...cycle(), s: [3, 5, 3, 3] },
      { key: "no-closed", c: "reliability", stateCategory: "done", s: [3, 5, 3, 3] },
      { key: "no-other", c: "adoption", s: [3, 5, 3, 3] },
    ]);
    expect(r.missingFromPlan.rows.map((x) => x.key)).toEqual(["M-5", "M-4"]);
    expect(r.missingFromPlan.total).toBe(2);
    const first = r.recommendations[0]!;
    expect(first.kind).toBe("first-move");
    expect(first.steps.map((s) => s.days)).toEqual(["1–30", "31–60", "61–90"]);
    expect(first.steps[1]!.text).toContain("M-5");
    expect(first.steps[0]!.issues.length).toBe(3);
    expect(first.title).toContain("bugs, performance");
    expect(r.recommendations.find((x) => x.kind === "add-missing")?.issues[0]?.key).toBe("M-5");
  });
});

describe("flags", () => {
  it("urgent/high priority with weak evidence, urgent first", () => {
    const r = audit([
      { key: "HP-2", c: "adoption", priority: 2, s: [3, 1, 3, 3] },
      { key: "HP-1", c: "operations", priority: 1, s: [3, 2, 3, 3] },
      { key: "no-strong", c: "adoption", priority: 1, s: [3, 3, 3, 3] },
      { key: "no-medium", c: "adoption", priority: 3, s: [3, 1, 3, 3] },
    ]);
    expect(r.flags.highPriorityWeakEvidence.rows.map((x) => x.key)).toEqual(["HP-1", "HP-2"]);
    expect(r.flags.highPriorityWeakEvidence.rows[0]!.reasons[0]).toBe("urgent priority but weak evidence (2/5)");
    expect(r.recommendations.some((x) => x.kind === "verify-priorities")).toBe(true);
  });

  it("the report always matches its schema, and has 1–5 recommendations", () => {
    const r = audit(
      [
        { c: "adoption", ...cycle(), estimate: 8, s: [5, 1, 3, 3] },
        { c: null, ...cycle(), estimate: 3 },
        { c: "reliability", s: [3, 5, 3, 3] },
        { c: "adoption", priority: 1, s: [3, 1, 3, 3] },
      ],
      { focus: "adoption" },
    );
    expect(() => AuditReportSchema.parse(r)).not.toThrow();
    expect(r.recommendations.length).toBeGreaterThanOrEqual(3);
    expect(r.recommendations.length).toBeLessThanOrEqual(5);
  });
});

describe("recommendations by drift level", () => {
  it.each([
    { offPoints: 1, kinds: ["hold-the-line"], not: ["cut-wish-list", "review-wish-list"] },
    { offPoints: 5, kinds: ["review-wish-list"], not: ["cut-wish-list", "hold-the-line"] },
    { offPoints: 9, kinds: ["cut-wish-list"], not: ["review-wish-list", "hold-the-line"] },
  ])("$offPoints of 10 points off → $kinds", ({ offPoints, kinds, not }) => {
    const r = audit([
      { key: "W", c: "adoption", ...cycle(), estimate: offPoints, s: [5, 1, 3, 3] },
      { key: "ON", c: "reliability", ...cycle(), estimate: 10 - offPoints },
    ]);
    const got = r.recommendations.map((x) => x.kind);
    expect(got[0]).toBe("first-move");
    for (const k of kinds) expect(got).toContain(k);
    for (const k of not) expect(got).not.toContain(k);
  });
});
