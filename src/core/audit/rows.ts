import type { Classification, Issue, Scores } from "../../../domain/types";
import type { AuditRow, IssueRef } from "./schema";

export interface RowFacts {
  planned: boolean;
  effort: number | null;
  pressure: number;
  scores: Scores | null;
  reasons: string[];
}

export const toRef = (issue: Issue): IssueRef => ({ key: issue.key, title: issue.title, url: issue.url, tracker: issue.tracker });

/** One report-table row: the issue, its verdict, scores, and why it is here. */
export function toRow(issue: Issue, c: Classification, f: RowFacts): AuditRow {
  return {
    ...toRef(issue),
    constraint: c.constraint,
    classificationConfidence: c.confidence,
    stateCategory: issue.stateCategory,
    priority: issue.priority,
    planned: f.planned,
    estimate: issue.estimate,
    effort: f.effort,
    pressure: Math.round(f.pressure * 1000) / 1000,
    scores: f.scores ? { impact: f.scores.impact, evidence: f.scores.evidence, confidence: f.scores.confidence, timing: f.scores.timing } : null,
    reasons: f.reasons,
    explanation: { classification: c.reasons, scores: f.scores?.reasons ?? [] },
  };
}

export const rowRef = (r: AuditRow): IssueRef => ({ key: r.key, title: r.title, url: r.url, tracker: r.tracker });
