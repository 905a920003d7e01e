/** The diagnosis: pressure from flow and customer evidence, never from the count of open issues. */
import { describe, expect, it } from "vitest";
import { runAudit, type AuditReport } from "../../../src/core/audit";
import { daysAgo, mk, NOW, pain, request, score, type Spec } from "./helpers";

const audit = (specs: Spec[], settings = {}) => runAudit({ issues: specs.map(mk), score, now: NOW, settings });
const times = (n: number, spec: Spec): Spec[] => Array.from({ length: n }, () => ({ ...spec }));
const P = (r: AuditReport, c: string) => r.dominant.pressures.find((p) => p.constraint === c)!;

describe("dominant constraint", () => {
  it("volume alone decides nothing: 40 quiet adoption requests → no clear bottleneck, volume leader shown for contrast", () => {
    const r = audit([...times(40, { c: "adoption" }), ...times(5, { c: "reliability" })]);
    expect(r.dominant.constraint).toBeNull();
    expect(r.diagnosis.verdict).toBe("thin");
    expect(r.diagnosis.byVolume).toBe("adoption");
    expect(r.diagnosis.decidingEvidence.length).toBeGreaterThan(0);
    expect(r.headline).toMatch(/^No clear bottleneck/);
    expect(P(r, "adoption").quietOpen).toBe(40);
    expect(P(r, "adoption").pressure).toBe(0);
  });

  it("30 customer-reported bugs beat 150 quiet feature requests", () => {
    const r = audit([...times(150, { c: "adoption" }), ...times(30, { c: "reliability", labels: ["customer-reported"] })]);
    expect(r.dominant.constraint).toBe("reliability");
    expect(r.diagnosis.byVolume).toBe("adoption");
    expect(r.diagnosis.sentence).toMatch(/Most open issues are adoption/);
  });

  it("a request with revenue behind it outweighs a keyword", () => {
    const words = audit([{ c: "adoption", body: "A customer asked" }]);
    const money = audit([{ c: "adoption", customerRequests: [request("Acme", 400_000)] }]);
    expect(P(money, "adoption").breakdown.customer).toBeGreaterThan(2 * P(words, "adoption").breakdown.customer);
    const tier = audit([{ c: "adoption", customerRequests: [request("Acme", 400_000, "Enterprise")] }]);
    expect(P(tier, "adoption").breakdown.customer).toBeGreaterThan(P(money, "adoption").breakdown.customer);
  });

  it("support and incident links count, in links and bodies; 'sla' does not match 'slack'", () => {
    const r = audit([
      { c: "operations", links: [{ url: "https://acme.zendesk.com/agent/tickets/4411", title: null }] },
      { c: "reliability", body: "Seen in https://acme.sentry.io/issues/123 and https://acme.pagerduty.com/incidents/Q1" },
      { c: "adoption", title: "Post to Slack channel", body: "add support for threads https://example.com/x" },
    ]);
    expect(P(r, "operations").customer).toMatchObject({ supportLinks: 1 });
    expect(P(r, "reliability").customer).toMatchObject({ incidentLinks: 2 });
    expect(P(r, "reliability").breakdown.severity).toBeGreaterThan(0);
    expect(P(r, "adoption").breakdown.customer).toBe(0);
  });

  it("closed and canceled work adds no customer or severity pressure; unclassified adds nothing", () => {
    const r = audit([
      ...times(5, { ...pain("adoption"), stateCategory: "done", closedAt: daysAgo(200) }),
      ...times(5, { ...pain("adoption"), stateCategory: "canceled" }),
      ...times(5, { ...pain("reliability"), c: null }),
    ]);
    expect(P(r, "adoption").breakdown.customer).toBe(0);
    expect(P(r, "adoption").breakdown.severity).toBe(0);
    expect(r.dominant.constraint).toBeNull();
  });

  it("low classifier confidence scales the pressure down", () => {
    const sure = audit([pain("operations", { conf: 1 })]);
    const unsure = audit([pain("operations", { conf: 0.2 })]);
    expect(P(unsure, "operations").pressure).toBeCloseTo(P(sure, "operations").pressure * 0.2);
  });

  it("growth: evidenced work arriving faster than it closes adds pressure; quiet growth adds none", () => {
    const arriving = audit(
      times(10, { c: "activation", links: [{ url: "https://acme.intercom.com/inbox/conversation/1", title: null }], createdAt: daysAgo(20) }),
    );
    const quiet = audit(times(10, { c: "activation", createdAt: daysAgo(20) }));
    expect(P(arriving, "activation").breakdown.growth).toBe(10);
    expect(P(arriving, "activation").flow).toMatchObject({ inflow: 10, outflow: 0, evidencedInflow: 10, growing: true });
    expect(P(quiet, "activation").breakdown.growth).toBe(0);
  });

  it("aging is measured against how fast the constraint usually closes", () => {
    const closedFast = times(6, { c: "reliability", stateCategory: "done", createdAt: daysAgo(40), closedAt: daysAgo(37) });
    const old = audit([...closedFast, { c: "reliability", priority: 2, createdAt: daysAgo(60) }]);
    const fresh = audit([...closedFast, { c: "reliability", priority: 2, createdAt: daysAgo(2) }]);
    expect(P(old, "reliability").flow.typicalCloseDays).toBe(3);
    expect(P(old, "reliability").flow.agingOpen).toBe(1);
    expect(P(old, "reliability").breakdown.aging).toBeGreaterThan(0);
    expect(P(fresh, "reliability").breakdown.aging).toBe(0);
  });

  it("reopens and carry-over add pressure to their constraint, capped per issue", () => {
    const r = audit([
      { c: "reliability", reopenedCount: 2 },
      { c: "activation", carriedOver: 9 },
    ]);
    expect(P(r, "reliability").breakdown.reopened).toBe(2);
    expect(P(r, "activation").breakdown.carryOver).toBe(3);
    expect(P(r, "activation").flow.carriedOver).toBe(9);
  });

  it("carry-over is read from iterations too: open in a closed one, or outliving its end date", () => {
    const closedIt = { kind: "milestone" as const, id: "m1", name: "v1", state: "closed" as const };
    const pastEnd = { kind: "cycle" as const, id: "c1", name: "C1", state: "active" as const, endsAt: daysAgo(10) };
    const doneLate = { kind: "cycle" as const, id: "c2", name: "C2", state: "closed" as const, endsAt: daysAgo(30) };
    const r = audit([
      { c: "activation", iteration: closedIt },
      { c: "activation", iteration: pastEnd },
      { c: "activation", iteration: doneLate, stateCategory: "done", createdAt: daysAgo(40), closedAt: daysAgo(20) },
      { c: "activation", iteration: { ...doneLate, id: "c3" }, stateCategory: "done", createdAt: daysAgo(40), closedAt: daysAgo(30) },
    ]);
    expect(P(r, "activation").flow.carriedOver).toBe(3);
  });

  it("systemic carry-over and slowing cycle time land on throughput", () => {
    const it_ = { iteration: { kind: "sprint" as const, id: "s9", name: "Sprint 9", state: "active" as const } };
    const carried = times(8, { c: "adoption", tracker: "jira", carriedOver: 2, ...it_ });
    const r = audit([...carried, ...times(4, { c: "adoption", tracker: "jira", ...it_ })]);
    expect(r.diagnosis.team.carryOverRate).toBeCloseTo(8 / 12);
    expect(P(r, "throughput").breakdown.delivery).toBe(16);
    const slow = audit([
      ...times(10, { c: "adoption", stateCategory: "done", createdAt: daysAgo(150), startedAt: daysAgo(140), closedAt: daysAgo(137) }),
      ...times(6, { c: "adoption", stateCategory: "done", createdAt: daysAgo(60), startedAt: daysAgo(50), closedAt: daysAgo(38) }),
    ]);
    expect(slow.diagnosis.team).toMatchObject({ cycleTimeDays: 12, priorCycleTimeDays: 3, closedInWindow: 6, closedPriorWindow: 10 });
    expect(P(slow, "throughput").breakdown.delivery).toBe(10); // cycle time 4× (capped); 10 prior closes are too few to judge the drop
  });

  it("two constraints under similar pressure → split, naming what would decide", () => {
    const r = audit([pain("reliability"), pain("activation")]);
    expect(r.diagnosis.verdict).toBe("split");
    expect(r.dominant.constraint).toBeNull();
    expect(r.drift.level).toBe("unknown");
    expect(r.diagnosis.decidingEvidence.join(" ")).toMatch(/reliability and activation|activation and reliability/);
    expect(r.recommendations[0]!.kind).toBe("gather-evidence");
  });

  it("reports runner-up, margin, and shares summing to 1", () => {
    const r = audit([pain("reliability"), pain("reliability"), pain("adoption")]);
    expect(r.dominant).toMatchObject({ constraint: "reliability", runnerUp: "adoption" });
    expect(r.dominant.share).toBeCloseTo(2 / 3);
    expect(r.dominant.margin).toBeCloseTo(1 / 3);
    expect(r.dominant.pressures.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1);
  });

  it("no classified open issue → verdict none, unknown drift, classify-more", () => {
    const r = audit([{ c: null, iteration: { kind: "cycle", id: "c", name: "c", state: "active" } }]);
    expect(r.dominant.constraint).toBeNull();
    expect(r.diagnosis.verdict).toBe("none");
    expect(r.drift).toMatchObject({ value: null, level: "unknown" });
    expect(r.recommendations[0]!.kind).toBe("classify-more");
  });

  it("evidence lists the strongest winner issues with structured reasons", () => {
    const r = audit([
      pain("reliability", { key: "ENG-A", title: "Crash on save", links: [{ url: "https://acme.zendesk.com/tickets/1", title: null }] }),
      { c: "reliability", key: "ENG-B", title: "Minor glitch" },
      pain("reliability", { key: "ENG-C", customerRequests: [] }),
      { c: "adoption", key: "ENG-D", priority: 1 },
    ]);
    const ev = r.dominant.evidence;
    expect(ev[0]).toMatchObject({ key: "ENG-A", url: expect.stringContaining("linear.app") });
    expect(ev[0]!.reasons.join("; ")).toMatch(/urgent priority; 2 customer requests \(Acme, Globex; \$2M revenue\); 1 support ticket linked/);
    expect(ev.every((row) => row.constraint === "reliability")).toBe(true);
  });

  it("says where a tracker lacks a structure or the data lacks a field", () => {
    const r = audit([
      { c: "adoption", tracker: "github" },
      { c: "adoption", tracker: "jira" },
    ]);
    const cov = Object.fromEntries(r.diagnosis.coverage.map((x) => [x.tracker, x.missing.join(" | ")]));
    expect(cov.github).toMatch(/no customer-request structure/);
    expect(cov.jira).toMatch(/votes, watchers and support or incident links/);
    expect(cov.jira).toMatch(/remote links .* are not read/);
    expect(cov.jira).toMatch(/no close dates/);
  });

  it("the window is configurable", () => {
    const specs = times(4, { c: "activation", createdAt: daysAgo(60) });
    expect(P(audit(specs), "activation").flow.inflow).toBe(4);
    expect(P(audit(specs, { diagnosis: { windowDays: 30 } }), "activation").flow.inflow).toBe(0);
  });
});

describe("declared focus", () => {
  const specs: Spec[] = [pain("reliability"), pain("reliability"), ...times(20, { c: "adoption" })];
  it.each([
    { focus: undefined, agrees: null, rec: false },
    { focus: "reliability", agrees: true, rec: false },
    { focus: "adoption", agrees: false, rec: true },
  ] as const)("focus $focus → agrees $agrees", ({ focus, agrees, rec }) => {
    const r = audit(specs, focus ? { focus } : {});
    expect(r.focus).toMatchObject({ declared: focus ?? null, inferred: "reliability", agrees });
    expect(r.recommendations.some((x) => x.kind === "focus-disagrees")).toBe(rec);
    if (agrees === false) expect(r.focus.message).toMatch(/adoption has 0% of the pressure across 20 open issues/);
  });
});
