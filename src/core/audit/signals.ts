/**
 * Evidence signals read from one issue, without the scores (which depend on
 * the dominant constraint, which these signals decide). Each signal is 0..1.
 */
import type { Constraint, Issue, Tracker } from "../../../domain/types";
import type { AuditSettings, EvidenceWeights, PlannedRule } from "./schema";

const DAY_MS = 86_400_000;
/** Long bodies are scanned up to here: customer words show up early, and this bounds the cost per issue. */
const BODY_SCAN_CHARS = 4000;
const BUG_TYPE = /bug|defect|incident|regression|crash/i;

export interface Signals {
  severity: number;
  customer: number;
  reactions: number;
  duplicates: number;
  age: number;
  /** Where the customer signal came from, e.g. `label "support"` or `"outage" in title`. */
  customerMatch: string | null;
  bug: boolean;
  ageDays: number;
}

export const newSignals = (): Signals => ({
  severity: 0,
  customer: 0,
  reactions: 0,
  duplicates: 0,
  age: 0,
  customerMatch: null,
  bug: false,
  ageDays: 0,
});

export const isOpen = (issue: Issue): boolean => issue.stateCategory !== "done" && issue.stateCategory !== "canceled";

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Builds a reader that fills a reused Signals object (no per-issue allocation). */
export function makeSignalReader(settings: AuditSettings, now: Date) {
  // Whole words with common suffixes: "customers", "churned"; "sla" must not match "slack".
  const toRe = (list: string[]) => (list.length ? new RegExp(`\\b(?:${list.map(escapeRe).join("|")})(?:s|es|ed|ing)?\\b`, "i") : null);
  const wordRe = toRe(settings.customerWords);
  const labelRe = toRe([...settings.customerWords, ...settings.customerLabelWords]);
  const nowMs = now.getTime();
  const { waitingAfterDays, ageSaturationDays } = settings;

  return function read(issue: Issue, constraint: Constraint | null, out: Signals): Signals {
    let severity = issue.priority === 1 ? 1 : issue.priority === 2 ? 0.6 : 0;
    let bug = false;
    if (constraint === "reliability") {
      bug = issue.type !== null && BUG_TYPE.test(issue.type);
      for (let i = 0; !bug && i < issue.labels.length; i++) bug = BUG_TYPE.test(issue.labels[i]!);
      if (bug) severity = Math.min(1, severity + 0.4);
    }

    let customerMatch: string | null = null;
    if (labelRe) {
      for (let i = 0; i < issue.labels.length; i++) {
        if (labelRe.test(issue.labels[i]!)) {
          customerMatch = `label "${issue.labels[i]}"`;
          break;
        }
      }
    }
    if (wordRe) {
      if (customerMatch === null) {
        const m = wordRe.exec(issue.title);
        if (m) customerMatch = `"${m[0]}" in title`;
      }
      if (customerMatch === null && issue.body.length > 0) {
        const body = issue.body.length > BODY_SCAN_CHARS ? issue.body.slice(0, BODY_SCAN_CHARS) : issue.body;
        const m = wordRe.exec(body);
        if (m) customerMatch = `"${m[0]}" in description`;
      }
    }
    const customer = customerMatch === null ? 0 : 1;
    const reactions = issue.reactions > 0 ? Math.min(1, Math.log2(1 + issue.reactions) / 5) : 0;
    const duplicates = Math.min(1, issue.duplicateCount / 3);

    let age = 0;
    let ageDays = 0;
    const strong = customer > 0 || severity >= 0.6 || issue.reactions >= 5 || issue.duplicateCount >= 1;
    if (strong) {
      const created = Date.parse(issue.createdAt);
      if (Number.isFinite(created)) {
        ageDays = Math.max(0, (nowMs - created) / DAY_MS);
        if (ageDays > waitingAfterDays) age = Math.min(1, ageDays / ageSaturationDays);
      }
    }

    out.severity = severity;
    out.customer = customer;
    out.reactions = reactions;
    out.duplicates = duplicates;
    out.age = age;
    out.customerMatch = customerMatch;
    out.bug = bug;
    out.ageDays = ageDays;
    return out;
  };
}

/** The former volume method's pressure of one issue (before confidence): kept for the scenario suite's comparison. */
export function weigh(s: Signals, w: EvidenceWeights): number {
  return w.volume + w.severity * s.severity + w.customer * s.customer + w.reactions * s.reactions + w.duplicates * s.duplicates + w.age * s.age;
}

/** Whether an open issue counts as planned for its tracker. */
export function isPlanned(issue: Issue, rules: Record<Tracker, PlannedRule>): boolean {
  const rule = rules[issue.tracker];
  const it = issue.iteration;
  if (it && rule.iterationKinds.includes(it.kind) && rule.iterationStates.includes(it.state)) return true;
  if (rule.stateCategories.includes(issue.stateCategory)) return true;
  return rule.openAndAssigned && issue.assignees.length > 0;
}
