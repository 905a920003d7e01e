import { IssueSchema, type Classification, type Constraint, type Issue, type IssueInput, type Scores } from "../../../domain/types";
import type { AuditSummary, ScoreFn } from "../../../src/core/audit";

let seq = 0;

export interface Spec extends Partial<IssueInput> {
  c?: Constraint | null;
  conf?: number;
  /** Scores the test score function returns: [impact, evidence, confidence, timing]. */
  s?: [number, number, number, number];
}

/** Builds an assessed-issue input row through the real IssueSchema. */
export function mk(spec: Spec = {}): { issue: Issue; classification: Classification } {
  const { c = "reliability", conf = 1, s = [3, 3, 3, 3], ...rest } = spec;
  const n = ++seq;
  const issue = IssueSchema.parse({
    tracker: "linear",
    externalId: `id-${n}`,
    key: `ENG-${n}`,
    url: `https://linear.app/acme/issue/ENG-${n}`,
    title: `Issue ${n}`,
    createdAt: "2026-11-01T00:00:00Z",
    updatedAt: "2026-11-01T00:00:00Z",
    ...rest,
    customFields: { ...(rest.customFields ?? {}), __s: s.join(",") },
  });
  return {
    issue,
    classification: {
      constraint: c,
      confidence: c ? conf : 0,
      runnerUp: null,
      decidedBy: c ? "rules" : "none",
      reasons: c ? [{ ruleId: `test.${c}`, source: "rule", constraint: c, weight: 1, field: "title", match: issue.title }] : [],
    },
  };
}

/** Deterministic score function: reads the scores the spec put on the issue. */
export const score: ScoreFn = (issue) => {
  const [impact, evidence, confidence, timing] = String(issue.customFields.__s ?? "3,3,3,3")
    .split(",")
    .map(Number) as [number, number, number, number];
  const out: Scores = { impact, evidence, confidence, timing, reasons: [{ dimension: "evidence", signal: "test", delta: 0 }] };
  return out;
};

export const NOW = new Date("2026-11-21T12:00:00Z");

/** Linear planned: in the active cycle. */
export const cycle = (state: "active" | "next" | "future" | "closed" = "active") => ({
  iteration: { kind: "cycle" as const, id: `cy-${state}`, name: `Cycle ${state}`, state },
});

export function hist(at: string, drift: number | null, level: AuditSummary["driftLevel"], dominant: Constraint | null = "reliability"): AuditSummary {
  return {
    at,
    dominant,
    runnerUp: null,
    margin: 0.1,
    drift,
    driftLevel: level,
    plannedEffort: 10,
    effortBasis: "estimate",
    counts: { activation: 0, adoption: 0, reliability: 0, operations: 0, throughput: 0, unclassified: 0 },
    wishListCount: 0,
    missingFromPlanCount: 0,
  };
}

/** A customer request with revenue behind it (Linear customer need). */
export const request = (customer: string, revenue: number | null = null, tier: string | null = null) => ({
  customer,
  revenue,
  size: null,
  tier,
  important: false,
  createdAt: null,
});

/** An open issue with strong pressure on constraint c: urgent, and two $1M customers asking. */
export const pain = (c: Constraint, extra: Spec = {}): Spec => ({
  c,
  priority: 1,
  customerRequests: [request("Acme", 1_000_000), request("Globex", 1_000_000)],
  ...extra,
});

/** ISO date `d` days before NOW. */
export const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
