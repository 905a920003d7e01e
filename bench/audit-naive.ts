/**
 * Baseline for the benchmark: the obvious implementation. It builds a full row
 * (with scores) for every open issue, keeps them all, and sorts whole lists
 * to take the top of each table. Same answers for the headline figures, none
 * of the care about allocation.
 */
import type { Classification, Constraint, Issue, Scores } from "../domain/types";

interface Row {
  issue: Issue;
  c: Classification;
  s: Scores;
  planned: boolean;
  pressure: number;
  text: string;
}

const WORDS = /\b(?:customer|incident|outage|escalation|escalated|sla|churn)(?:s|es|ed|ing)?\b/i;

export function naiveAudit(
  issues: ReadonlyArray<{ issue: Issue; classification: Classification }>,
  score: (i: Issue, c: Classification, ctx: { dominant: Constraint | null }) => Scores,
) {
  const open = issues.filter(({ issue }) => issue.stateCategory !== "done" && issue.stateCategory !== "canceled");
  const rows: Row[] = open.map(({ issue, classification: c }) => {
    const text = `${issue.title}\n${issue.body}\n${issue.labels.join(" ")}`;
    const customer = WORDS.test(text) ? 1 : 0;
    const sev = issue.priority === 1 ? 1 : issue.priority === 2 ? 0.6 : 0;
    const pressure = c.confidence * (1 + 2 * sev + 2 * customer + Math.min(1, Math.log2(1 + issue.reactions) / 5) + Math.min(1, issue.duplicateCount / 3));
    const planned = !!issue.iteration && (issue.iteration.state === "active" || issue.iteration.state === "next");
    return { issue, c, s: score(issue, c, { dominant: null }), planned, pressure, text };
  });
  const byConstraint = new Map<string, number>();
  for (const r of rows) if (r.c.constraint) byConstraint.set(r.c.constraint, (byConstraint.get(r.c.constraint) ?? 0) + r.pressure);
  const ranked = [...byConstraint.entries()].sort((a, b) => b[1] - a[1]);
  const dominant = (ranked[0]?.[0] ?? null) as Constraint | null;
  for (const r of rows) r.s = score(r.issue, r.c, { dominant });
  const planned = rows.filter((r) => r.planned);
  const effort = planned.reduce((s, r) => s + (r.issue.estimate ?? 1), 0);
  const off = planned.filter((r) => r.c.constraint !== dominant).reduce((s, r) => s + (r.issue.estimate ?? 1), 0);
  const evidence = rows
    .filter((r) => r.c.constraint === dominant)
    .sort((a, b) => b.pressure - a.pressure)
    .slice(0, 5);
  const wish = planned
    .filter((r) => r.c.constraint && r.c.constraint !== dominant && r.s.evidence <= 2)
    .sort((a, b) => (b.issue.estimate ?? 1) - (a.issue.estimate ?? 1));
  const missing = rows.filter((r) => !r.planned && r.c.constraint === dominant && r.s.evidence >= 4).sort((a, b) => b.s.evidence - a.s.evidence);
  return { dominant, drift: effort ? off / effort : null, evidence, wish: wish.slice(0, 25), wishCount: wish.length, missing: missing.slice(0, 25) };
}
