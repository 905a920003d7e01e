import { describe, expect, it } from "vitest";
import { computeTrend, runAudit, summarize, AuditSummarySchema, type AuditSummary } from "../../../src/core/audit";
import { cycle, hist, mk, NOW, pain, score } from "./helpers";

const cur = (drift: number | null, level: AuditSummary["driftLevel"], dominant: "reliability" | "adoption" = "reliability") => ({
  at: NOW.toISOString(),
  drift,
  level,
  dominant,
});

describe("trend against history", () => {
  it("first audit", () => {
    const t = computeTrend(cur(0.5, "watch"), [], NOW);
    expect(t).toMatchObject({ previous: null, levelChange: "first", since: null, driftDelta: null });
    expect(t.sentence).toMatch(/first audit/);
  });

  it.each([
    {
      name: "worsened this run: since = today",
      history: [hist("2026-11-10", 0.3, "aligned")],
      current: cur(0.7, "drifted"),
      change: "worse",
      since: { at: NOW.toISOString(), from: "aligned" },
    },
    {
      name: "run of drifted audits: since = the first drifted in the run",
      history: [
        hist("2026-11-14", 0.7, "drifted"),
        hist("2026-11-07", 0.65, "drifted"),
        hist("2026-10-31", 0.5, "watch"),
        hist("2026-10-24", 0.9, "drifted"),
        hist("2026-10-01", 0.2, "aligned"),
      ],
      current: cur(0.8, "drifted"),
      change: "same",
      since: { at: "2026-11-07", from: "watch" },
    },
    {
      name: "watch run includes worse levels: since = first watch-or-worse after aligned",
      history: [hist("2026-11-14", 0.7, "drifted"), hist("2026-11-07", 0.4, "watch"), hist("2026-10-31", 0.2, "aligned")],
      current: cur(0.5, "watch"),
      change: "better",
      since: { at: "2026-11-07", from: "aligned" },
    },
    {
      name: "unknown levels are skipped",
      history: [hist("2026-11-14", null, "unknown"), hist("2026-11-07", 0.7, "drifted"), hist("2026-10-31", 0.2, "aligned")],
      current: cur(0.8, "drifted"),
      change: "unknown",
      since: { at: "2026-11-07", from: "aligned" },
    },
    {
      name: "always drifted: since the oldest audit, no 'from'",
      history: [hist("2026-11-14", 0.7, "drifted"), hist("2026-11-07", 0.9, "drifted")],
      current: cur(0.8, "drifted"),
      change: "same",
      since: { at: "2026-11-07", from: null },
    },
    {
      name: "aligned now: no since",
      history: [hist("2026-11-14", 0.7, "drifted")],
      current: cur(0.1, "aligned"),
      change: "better",
      since: null,
    },
  ] as const)("$name", ({ history, current, change, since }) => {
    const t = computeTrend(current, [...history], NOW);
    expect(t.levelChange).toBe(change);
    if (since === null) expect(t.since).toBeNull();
    else expect(t.since).toMatchObject(since);
  });

  it("'drifted since' appears in the sentence with the right date", () => {
    const t = computeTrend(cur(0.8, "drifted"), [hist("2026-11-14", 0.7, "drifted"), hist("2026-11-07", 0.3, "aligned")], NOW);
    expect(t.sentence).toContain("Drifted since 2026-11-14");
    expect(t.sentence).toContain("up 10 points");
  });

  it("history order is not trusted", () => {
    const t = computeTrend(cur(0.8, "drifted"), [hist("2026-11-07", 0.3, "aligned"), hist("2026-11-14", 0.7, "drifted")], NOW);
    expect(t.previous?.at).toBe("2026-11-14");
    expect(t.since?.at).toBe("2026-11-14");
  });

  it("30/60/90-day windows pick the oldest audit inside each window", () => {
    const history = [
      hist("2026-11-14T00:00:00Z", 0.5, "watch"),
      hist("2026-10-25T00:00:00Z", 0.4, "watch"), // 27.5 days before NOW
      hist("2026-10-01T00:00:00Z", 0.3, "aligned"), // 51.5 days
      hist("2026-08-01T00:00:00Z", 0.1, "aligned"), // 112 days: outside all windows
    ];
    const t = computeTrend(cur(0.6, "watch"), history, NOW);
    const w = Object.fromEntries(t.windows.map((x) => [x.days, x]));
    expect(w[30]).toMatchObject({ audits: 2, baselineAt: "2026-10-25T00:00:00Z", baselineDrift: 0.4 });
    expect(w[30]!.delta).toBeCloseTo(0.2);
    expect(w[60]).toMatchObject({ audits: 3, baselineAt: "2026-10-01T00:00:00Z" });
    expect(w[60]!.delta).toBeCloseTo(0.3);
    expect(w[90]).toMatchObject({ audits: 3, baselineAt: "2026-10-01T00:00:00Z" });
    expect(w[30]!.averageDrift).toBeCloseTo((0.5 + 0.4 + 0.6) / 3);
    expect(t.driftDelta).toBeCloseTo(0.1);
  });

  it("detects a bottleneck change", () => {
    const t = computeTrend(cur(0.2, "aligned", "adoption"), [hist("2026-11-14", 0.2, "aligned", "reliability")], NOW);
    expect(t.dominantChanged).toBe(true);
    expect(t.sentence).toContain("moved from reliability to adoption");
  });

  it("runAudit → summarize round-trips into the next audit's history", () => {
    const issues = [mk(pain("reliability")), mk({ c: "adoption", ...cycle(), estimate: 5 })];
    const first = runAudit({ issues, score, now: new Date("2026-11-01T00:00:00Z") });
    const s = AuditSummarySchema.parse(summarize(first, "a1"));
    expect(s).toMatchObject({ id: "a1", dominant: "reliability", drift: 1, driftLevel: "drifted", effortBasis: "estimate", plannedEffort: 5 });
    expect(s.counts).toMatchObject({ reliability: 1, adoption: 1, unclassified: 0 });
    const second = runAudit({ issues, score, now: NOW, history: [s] });
    expect(second.trend.since).toMatchObject({ at: "2026-11-01T00:00:00.000Z", from: null });
    expect(second.trend.previous?.at).toBe(s.at);
  });
});
