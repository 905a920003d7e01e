/**
 * Builds scenario backlogs: real issue texts (texts.jsonl) with written flows
 * around them. Deterministic: texts are taken in file order per constraint,
 * dates are days before a fixed NOW.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { IssueSchema, type Classification, type Constraint, type CustomerRequest, type Issue, type IssueInput, type Tracker } from "../../../../domain/types";
import type { AuditSettingsInput } from "../../../../src/core/audit";

export const NOW = new Date("2026-11-20T12:00:00Z");
const DAY = 86_400_000;
export const ago = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();

interface Text {
  id: string;
  url: string | null;
  title: string;
  body: string;
  labels: string[];
  constraint: Constraint;
}
const TEXTS: Text[] = readFileSync(resolve(import.meta.dirname, "texts.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Text);

export interface Row {
  issue: Issue;
  classification: Classification;
}

/** Evenly spread n values from a to b (inclusive). */
export const spread = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));

export const customer = (name: string, revenue: number | null, tier: string | null = null, size: number | null = null): CustomerRequest => ({
  customer: name,
  revenue,
  size,
  tier,
  important: false,
  createdAt: null,
});
export const link = (url: string) => ({ url, title: null });

export interface Batch extends Partial<Omit<IssueInput, "createdAt" | "closedAt">> {
  /** Days ago each issue was created: one value, or one per issue. */
  created: number | number[];
  /** Days after creation it closed as done (null/undefined = still open). */
  closedAfter?: number | number[] | null;
  /** Days before closing that work started (for cycle time). */
  startedBefore?: number;
  canceled?: boolean;
  /** Per-issue overrides, by index. */
  each?: (i: number) => Partial<IssueInput>;
}

/** A backlog under construction for one tracker. */
export class Backlog {
  rows: Row[] = [];
  private used = new Map<Constraint, number>();
  private seq = 0;
  constructor(
    readonly tracker: Tracker = "linear",
    readonly prefix = "ENG",
  ) {}

  /** Adds n issues of constraint c, texts taken in order from the pool. */
  add(c: Constraint, n: number, b: Batch): this {
    const pool = TEXTS.filter((t) => t.constraint === c);
    const { created, closedAfter, startedBefore, canceled, each, ...rest } = b;
    for (let i = 0; i < n; i++) {
      const k = this.used.get(c) ?? 0;
      this.used.set(c, k + 1);
      const t = pool[k % pool.length]!;
      const createdDays = Array.isArray(created) ? created[i]! : created;
      const after = Array.isArray(closedAfter) ? closedAfter[i] : closedAfter;
      const closedDays = after === null || after === undefined ? null : createdDays - after;
      const key = this.tracker === "github" ? `acme/app#${1000 + ++this.seq}` : `${this.prefix}-${100 + ++this.seq}`;
      const input: IssueInput = {
        tracker: this.tracker,
        externalId: `${key}`,
        key,
        url: t.url,
        title: t.title,
        body: t.body,
        labels: [...t.labels, `constraint:${c}`],
        state: closedDays === null ? "Todo" : canceled ? "Canceled" : "Done",
        stateCategory: closedDays === null ? "todo" : canceled ? "canceled" : "done",
        createdAt: ago(createdDays),
        updatedAt: ago(closedDays ?? Math.min(createdDays, 1)),
        closedAt: closedDays === null ? null : ago(closedDays),
        startedAt: closedDays !== null && startedBefore !== undefined ? ago(closedDays + startedBefore) : null,
        customFields: { source: t.id },
        ...rest,
        ...(each ? each(i) : {}),
      };
      const issue = IssueSchema.parse(input);
      // The constraint is the annotators' label, applied as a human label (as `constraint:` labels are in a tracker).
      this.rows.push({
        issue,
        classification: {
          constraint: c,
          confidence: 1,
          runnerUp: null,
          decidedBy: "label",
          reasons: [{ ruleId: `label:constraint:${c}`, source: "label", constraint: c, weight: 1, field: "labels", match: `constraint:${c}` }],
        },
      });
    }
    return this;
  }
}

export interface Scenario {
  name: string;
  /** Which of issue 19's kinds it covers. */
  kind: string;
  expect: { constraint: Constraint | null; drift: "aligned" | "watch" | "drifted" | "unknown" };
  /** The answer a seasoned product leader would give, and why. */
  reason: string;
  settings?: AuditSettingsInput;
  rows: Row[];
}
