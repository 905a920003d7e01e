import { describe, expect, it } from "vitest";
import { runAudit } from "../../../src/core/audit";
import { mk, NOW, score, type Spec } from "./helpers";

const audit = (specs: Spec[], settings = {}) => runAudit({ issues: specs.map(mk), score, now: NOW, settings });
const times = (n: number, spec: Spec): Spec[] => Array.from({ length: n }, () => ({ ...spec }));

describe("dominant constraint", () => {
  const base: Spec[] = [...times(4, { c: "reliability" }), ...times(3, { c: "adoption" })];

  it.each([
    { name: "volume alone", extra: [] as Spec[], want: "reliability" },
    { name: "urgent adoption work flips it", extra: times(2, { c: "adoption", priority: 1 }), want: "adoption" },
    { name: "customer-labelled adoption flips it", extra: times(1, { c: "adoption", labels: ["customer-reported"] }), want: "adoption" },
    { name: "outage words in the body flip it", extra: times(1, { c: "adoption", body: "Caused an outage for two accounts" }), want: "adoption" },
    { name: "many reactions flip it", extra: times(1, { c: "adoption", reactions: 40 }), want: "adoption" },
    { name: "duplicates flip it", extra: times(1, { c: "adoption", duplicateCount: 3 }), want: "adoption" },
    { name: "closed adoption issues do not count", extra: times(5, { c: "adoption", stateCategory: "done", priority: 1 }), want: "reliability" },
    { name: "canceled adoption issues do not count", extra: times(5, { c: "adoption", stateCategory: "canceled" }), want: "reliability" },
    { name: "unclassified issues do not count", extra: times(5, { c: null, priority: 1 }), want: "reliability" },
    { name: "low-confidence adoption counts little", extra: times(2, { c: "adoption", conf: 0.2 }), want: "reliability" },
    { name: "full-confidence adoption counts fully", extra: times(2, { c: "adoption", conf: 1 }), want: "adoption" },
  ])("$name → $want", ({ extra, want }) => {
    expect(audit([...base, ...extra]).dominant.constraint).toBe(want);
  });

  it("'sla' does not match 'slack', and 'support' in prose is not a label", () => {
    const prose = audit([{ c: "reliability" }, { c: "adoption", title: "Post to Slack channel", body: "add support for threads" }]);
    expect(prose.dominant.pressures.find((p) => p.constraint === "adoption")!.breakdown.customer).toBe(0);
    const label = audit([{ c: "reliability" }, { c: "adoption", labels: ["Support"] }, { c: "operations", body: "SLA breached" }]);
    const cust = Object.fromEntries(label.dominant.pressures.map((p) => [p.constraint, p.breakdown.customer]));
    expect(cust).toMatchObject({ adoption: 2, operations: 2, reliability: 0 });
  });

  it("age of waiting strong-evidence work adds pressure", () => {
    const old = audit([...base, { c: "adoption", priority: 2, createdAt: "2026-01-01T00:00:00Z" }]);
    const fresh = audit([...base, { c: "adoption", priority: 2, createdAt: "2026-11-20T00:00:00Z" }]);
    const p = (r: typeof old) => r.dominant.pressures.find((x) => x.constraint === "adoption")!;
    expect(p(old).breakdown.age).toBeGreaterThan(0);
    expect(p(fresh).breakdown.age).toBe(0);
    expect(p(old).pressure).toBeGreaterThan(p(fresh).pressure);
  });

  it("Bug type adds severity for reliability only", () => {
    const r = audit([{ c: "reliability", type: "Bug" }, { c: "adoption", type: "Bug" }]);
    const sev = Object.fromEntries(r.dominant.pressures.map((p) => [p.constraint, p.breakdown.severity]));
    expect(sev.reliability).toBeGreaterThan(0);
    expect(sev.adoption).toBe(0);
  });

  it("weights are configurable: with volume weight 0 only evidence counts", () => {
    const specs: Spec[] = [...times(10, { c: "reliability" }), { c: "operations", labels: ["support"] }];
    expect(audit(specs).dominant.constraint).toBe("reliability");
    expect(audit(specs, { evidenceWeights: { volume: 0 } }).dominant.constraint).toBe("operations");
  });

  it("reports runner-up, margin in share points, and pressures summing to 1", () => {
    const r = audit([...times(3, { c: "reliability" }), { c: "adoption" }]);
    expect(r.dominant).toMatchObject({ constraint: "reliability", runnerUp: "adoption", share: 0.75, runnerUpShare: 0.25 });
    expect(r.dominant.margin).toBeCloseTo(0.5);
    expect(r.dominant.pressures.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1);
    expect(r.dominant.pressures[0]!.constraint).toBe("reliability");
  });

  it("no classified open issue → no dominant, unknown drift", () => {
    const r = audit([{ c: null, ...{ iteration: { kind: "cycle", id: "c", name: "c", state: "active" } } }]);
    expect(r.dominant.constraint).toBeNull();
    expect(r.drift).toMatchObject({ value: null, level: "unknown" });
    expect(r.recommendations[0]!.kind).toBe("classify-more");
  });

  it("evidence lists the strongest winner issues with reasons and links", () => {
    const r = audit([
      { c: "reliability", key: "ENG-A", title: "Crash on save", priority: 1, labels: ["incident"] },
      { c: "reliability", key: "ENG-B", title: "Minor glitch" },
      { c: "adoption", key: "ENG-C", priority: 1 },
      ...times(6, { c: "reliability" }),
    ]);
    const ev = r.dominant.evidence;
    expect(ev).toHaveLength(5);
    expect(ev[0]).toMatchObject({ key: "ENG-A", url: expect.stringContaining("linear.app") });
    expect(ev[0]!.reasons.join("; ")).toMatch(/urgent priority.*customer signal: label "incident"/);
    expect(ev.every((row) => row.constraint === "reliability")).toBe(true);
  });
});

describe("declared focus", () => {
  const specs: Spec[] = [...times(3, { c: "reliability" }), { c: "adoption" }];
  it.each([
    { focus: undefined, agrees: null, rec: false },
    { focus: "reliability", agrees: true, rec: false },
    { focus: "adoption", agrees: false, rec: true },
  ] as const)("focus $focus → agrees $agrees", ({ focus, agrees, rec }) => {
    const r = audit(specs, focus ? { focus } : {});
    expect(r.focus).toMatchObject({ declared: focus ?? null, inferred: "reliability", agrees });
    expect(r.recommendations.some((x) => x.kind === "focus-disagrees")).toBe(rec);
  });
});
