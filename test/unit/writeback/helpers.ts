import { IssueSchema, type Classification, type Constraint, type Reason, type Scores } from "../../../domain/types";
import type { IssueFacts, PlannedAction, WritebackPlan, WritebackSettings } from "../../../src/core/writeback";

export const SETTINGS: WritebackSettings = {
  labelPrefix: "constraint:",
  commentsEnabled: true,
  maxWrites: 1000,
  writeBackThreshold: 0.6,
  mode: "on",
};

export interface FactSpec {
  id?: string;
  labels?: string[];
  c?: Constraint | null;
  conf?: number;
  decidedBy?: Classification["decidedBy"];
  reasons?: Reason[];
  applied?: string[];
  overrides?: string[];
  comment?: IssueFacts["comment"];
  impact?: number;
  title?: string;
  body?: string;
}

/** One issue's facts, built through the real IssueSchema. */
export function facts(spec: FactSpec = {}): IssueFacts {
  const id = spec.id ?? "1";
  const c = spec.c === undefined ? "reliability" : spec.c;
  const issue = IssueSchema.parse({
    tracker: "github",
    externalId: id,
    key: `acme/app#${id}`,
    url: `https://github.com/acme/app/issues/${id}`,
    title: spec.title ?? `Issue ${id}`,
    body: spec.body ?? "",
    labels: spec.labels ?? [],
    createdAt: "2026-11-01T00:00:00Z",
    updatedAt: "2026-11-01T00:00:00Z",
  });
  const scores: Scores = {
    impact: spec.impact ?? 3,
    evidence: 4,
    confidence: 3,
    timing: 2,
    reasons: [
      { dimension: "impact", signal: "priority high", delta: 1 },
      { dimension: "evidence", signal: "customer words", delta: 2, match: "customer" },
    ],
  };
  const reasons: Reason[] =
    spec.reasons ?? (c ? [{ ruleId: `${c}.core`, source: "rule", constraint: c, weight: 2, field: "title", match: "crash on save" }] : []);
  return {
    issue,
    classification: { constraint: c, confidence: c ? (spec.conf ?? 0.9) : 0, runnerUp: null, decidedBy: spec.decidedBy ?? (c ? "rules" : "none"), reasons },
    scores,
    appliedByUs: spec.applied ?? [],
    overrides: spec.overrides ?? [],
    comment: spec.comment ?? null,
  };
}

const lower = (s: string) => s.toLowerCase();

/**
 * A tiny tracker + ledger simulator: executes a plan against the facts the
 * way the connectors and the lead's storage would, and returns the facts the
 * next run would load.
 */
export function apply(all: IssueFacts[], plan: Pick<WritebackPlan, "actions" | "newOverrides">): IssueFacts[] {
  return all.map((f) => {
    const next: IssueFacts = structuredClone(f);
    for (const o of plan.newOverrides.filter((o) => o.externalId === f.issue.externalId)) {
      next.overrides.push(o.label);
      next.appliedByUs = next.appliedByUs.filter((l) => lower(l) !== lower(o.label));
    }
    for (const a of plan.actions.filter((a) => a.externalId === f.issue.externalId)) applyAction(next, a);
    return next;
  });
}

function applyAction(f: IssueFacts, a: PlannedAction) {
  if (a.kind === "labels") {
    const drop = new Set(a.remove.map(lower));
    f.issue.labels = [...f.issue.labels.filter((l) => !drop.has(lower(l))), ...a.add];
    f.appliedByUs = [...f.appliedByUs.filter((l) => !drop.has(lower(l))), ...a.add];
  } else if (a.op === "delete") f.comment = null;
  else f.comment = { id: f.comment?.id ?? `c-${f.issue.externalId}`, bodyHash: a.bodyHash, body: a.body ?? undefined };
}

/** A person removes a label by hand. */
export function humanRemoves(all: IssueFacts[], externalId: string, label: string): IssueFacts[] {
  return all.map((f) => {
    if (f.issue.externalId !== externalId) return f;
    const next = structuredClone(f);
    next.issue.labels = next.issue.labels.filter((l) => lower(l) !== lower(label));
    return next;
  });
}

export const labelsOf = (plan: WritebackPlan) => plan.actions.filter((a) => a.kind === "labels");
export const commentsOf = (plan: WritebackPlan) => plan.actions.filter((a) => a.kind === "comment");
