/**
 * Synthetic assessed issues for the audit benchmark: varied trackers,
 * iterations, estimates, priorities, classifications and body lengths
 * (200–1,500 characters, like the real corpus). Deterministic for a seed.
 */
import type { Classification, Constraint, Issue, Scores } from "../domain/types";
import { seededRandom as rng } from "../domain/random";
import { CONSTRAINTS } from "../domain/types";

const WORDS =
  "the user cannot save when page loads slow after update dashboard export report filter settings team admin invite error timeout api sync webhook build deploy flaky test release migration onboarding signup empty state pricing upgrade plan billing search index cache memory queue worker retry log metric alert trace permission role audit".split(
    " ",
  );
const SIGNAL_WORDS = ["customer", "outage", "incident", "escalation", "churn", "SLA"];
const LABELS = ["bug", "feature", "enhancement", "ux", "backend", "frontend", "support", "tech-debt", "p1", "infra", "docs"];
const TRACKERS = ["github", "linear", "jira"] as const;

export interface Assessed {
  issue: Issue;
  classification: Classification;
}

export function synthesize(n: number, seed = 42): Assessed[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Joined arrays give flat strings, like JSON.parse does (concatenation would build ropes).
  const sentence = (len: number) => {
    const w: string[] = [];
    let n = 0;
    while (n < len) {
      const x = r() < 0.003 ? pick(SIGNAL_WORDS) : pick(WORDS);
      w.push(x);
      n += x.length + 1;
    }
    return w.join(" ");
  };
  const now = Date.parse("2026-11-21T00:00:00Z");
  const out: Assessed[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const tracker = TRACKERS[i % 3]!;
    const u = r();
    const stateCategory = u < 0.35 ? "done" : u < 0.4 ? "canceled" : u < 0.55 ? "in_progress" : u < 0.8 ? "todo" : "backlog";
    const itU = r();
    const kind = tracker === "linear" ? "cycle" : tracker === "jira" ? "sprint" : "milestone";
    const iteration = itU < 0.25 ? { kind, id: `it-${i % 7}`, name: `Iteration ${i % 7}`, state: itU < 0.15 ? "active" : itU < 0.2 ? "next" : "future" } : null;
    const cU = r();
    // Skewed on purpose so there is a clear dominant constraint.
    const constraint: Constraint | null = cU < 0.15 ? null : cU < 0.45 ? "reliability" : pick(CONSTRAINTS);
    const labels: string[] = [];
    const nl = Math.floor(r() * 3);
    for (let k = 0; k < nl; k++) labels.push(pick(LABELS));
    const created = now - Math.floor(r() * 400) * 86_400_000;
    const issue = {
      tracker,
      externalId: String(100000 + i),
      key: tracker === "github" ? `acme/app#${i}` : `ENG-${i}`,
      url: `https://tracker.example/${tracker}/${i}`,
      title: sentence(20 + Math.floor(r() * 60)),
      body: sentence(200 + Math.floor(r() * 1300)),
      labels,
      type: tracker === "jira" ? (r() < 0.3 ? "Bug" : "Story") : null,
      components: [],
      state: stateCategory,
      stateCategory,
      priority: Math.floor(r() * 5),
      priorityName: null,
      estimate: tracker === "github" ? null : r() < 0.7 ? pick([1, 2, 3, 5, 8]) : null,
      iteration,
      project: tracker === "github" ? "acme/app" : "ENG",
      assignees: r() < 0.3 ? ["dev"] : [],
      reactions: r() < 0.2 ? Math.floor(r() * 30) : 0,
      commentCount: Math.floor(r() * 10),
      duplicateCount: r() < 0.05 ? 1 + Math.floor(r() * 3) : 0,
      customFields: {},
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(created + 86_400_000).toISOString(),
      closedAt: null as string | null,
    } as Issue;
    // Flow and customer evidence, at rates a real tracker shows: close and start times, a few reopens and carries,
    // Jira watchers, Linear customer requests, support and incident links.
    if (stateCategory === "done" || stateCategory === "canceled") {
      const closed = Math.min(now, created + (1 + Math.floor(r() * 60)) * 86_400_000);
      issue.closedAt = new Date(closed).toISOString();
      if (stateCategory === "done" && r() < 0.6) issue.startedAt = new Date(closed - Math.floor(r() * 10) * 86_400_000).toISOString();
    }
    if (r() < 0.03) issue.reopenedCount = 1;
    if (iteration && r() < 0.2) issue.carriedOver = 1 + Math.floor(r() * 2);
    if (tracker === "jira") issue.watchers = Math.floor(r() * 5);
    if (tracker === "linear" && r() < 0.03) {
      issue.customerRequests = [
        {
          customer: `Customer ${i % 500}`,
          revenue: Math.floor(r() * 500_000),
          size: 10 + Math.floor(r() * 2000),
          tier: r() < 0.2 ? "Enterprise" : "Growth",
          important: r() < 0.2,
          createdAt: null,
        },
      ];
    }
    if (r() < 0.02) issue.links = [{ url: `https://acme.${r() < 0.5 ? "zendesk.com/agent/tickets" : "sentry.io/issues"}/${i}`, title: null }];
    const classification: Classification = {
      constraint,
      confidence: constraint ? 0.4 + r() * 0.6 : 0,
      runnerUp: null,
      decidedBy: constraint ? "rules" : "none",
      reasons: constraint ? [{ ruleId: `r.${constraint}`, source: "rule", constraint, weight: 1, field: "title", match: "x" }] : [],
    };
    out[i] = { issue, classification };
  }
  return out;
}

/** A cheap deterministic stand-in for the rules engine's scorer. */
export function benchScore(issue: Issue, c: Classification, ctx: { dominant: Constraint | null }): Scores {
  const h = Number(issue.externalId);
  const clamp = (x: number) => Math.max(1, Math.min(5, x));
  return {
    impact: clamp(1 + (h % 5)),
    evidence: clamp(1 + ((h >> 2) % 5) + (issue.reactions > 10 ? 1 : 0)),
    confidence: clamp(1 + ((h >> 4) % 5)),
    timing: clamp(c.constraint === ctx.dominant ? 4 : 1 + ((h >> 6) % 3)),
    reasons: [],
  };
}
