/**
 * The 30/60/90 loop: once a team has chosen a bottleneck, did the work it
 * shipped change that constraint's evidence? Compares the 90 days before the
 * choice with the time since, and at 90 days says continue, refine, or move to
 * the next bottleneck.
 */
import type { Classification, Constraint, Issue } from "../../../domain/types";
import { newCustomerEvidence, readCustomer } from "./customer";
import { carriesOf } from "./diagnose";
import type { AuditSettings, AuditSummary, FollowUp } from "./schema";
import { makeSignalReader, newSignals } from "./signals";

const DAY_MS = 86_400_000;
const BEFORE_DAYS = 90;
/** The customer-reported rate must fall by at least this share to call the constraint relieved. */
const RELIEVED = 0.4;

const r1 = (x: number) => Math.round(x * 10) / 10;
const fmt = (x: number) => (Number.isInteger(r1(x)) ? String(r1(x)) : r1(x).toFixed(1));

/** Which constraint the team chose and since when: the declared focus and its date, else the unbroken run of one bottleneck in history. */
export function chosenConstraint(
  settings: AuditSettings,
  history: readonly AuditSummary[],
  current: Constraint | null,
  now: Date,
): { constraint: Constraint; since: string; source: FollowUp["source"] } | null {
  if (settings.focus && settings.focusSince && Number.isFinite(Date.parse(settings.focusSince)) && Date.parse(settings.focusSince) <= now.getTime()) {
    return { constraint: settings.focus, since: new Date(Date.parse(settings.focusSince)).toISOString(), source: "focus" };
  }
  const hist = history.filter((h) => Date.parse(h.at) < now.getTime()).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const target = settings.focus ?? hist[0]?.dominant ?? current;
  if (!target) return null;
  let since: string | null = null;
  for (const h of hist) {
    if (h.dominant !== target) break;
    since = h.at;
  }
  return since ? { constraint: target, since, source: "history" } : null;
}

/**
 * Measures the chosen constraint's evidence before and after `since`.
 *
 * @example
 * followUp(rows, settings, now, { constraint: "reliability", since: "2026-08-01T00:00:00Z", source: "focus" }, "activation")?.sentence
 * // "Shipped 14 items on reliability since 2026-08-01; customer-reported reliability issues went from 8 to 2 a month."
 */
export function followUp(
  issues: ReadonlyArray<{ issue: Issue; classification: Classification }>,
  settings: AuditSettings,
  now: Date,
  chosen: { constraint: Constraint; since: string; source: FollowUp["source"] },
  next: Constraint | null,
): FollowUp {
  const { constraint: c } = chosen;
  const nowMs = now.getTime();
  const sinceMs = Date.parse(chosen.since);
  const beforeMs = sinceMs - BEFORE_DAYS * DAY_MS;
  const days = Math.max(0, Math.floor((nowMs - sinceMs) / DAY_MS));
  const read = makeSignalReader(settings, now);
  const sig = newSignals();
  const cust = newCustomerEvidence();
  let shipped = 0;
  let custBefore = 0;
  let custAfter = 0;
  let inBefore = 0;
  let inAfter = 0;
  let carriedBefore = 0;
  let carriedAfter = 0;
  for (const { issue, classification } of issues) {
    if (classification.constraint !== c) continue;
    const created = Date.parse(issue.createdAt);
    const closed = issue.closedAt && (issue.stateCategory === "done" || issue.stateCategory === "canceled") ? Date.parse(issue.closedAt) : Infinity;
    if (issue.stateCategory === "done" && closed >= sinceMs && closed <= nowMs) shipped++;
    const before = created >= beforeMs && created < sinceMs;
    const after = created >= sinceMs && created <= nowMs;
    const carries = carriesOf(issue, nowMs);
    if (carries > 0) {
      if (created < sinceMs && closed >= beforeMs) carriedBefore += carries;
      else if (after) carriedAfter += carries;
    }
    if (!before && !after) continue;
    read(issue, c, sig);
    const customer = readCustomer(issue, sig.customerMatch, cust).weight > 0;
    if (before) {
      inBefore++;
      if (customer) custBefore++;
    } else {
      inAfter++;
      if (customer) custAfter++;
    }
  }
  const monthsAfter = Math.max(1, days / 30);
  const perBefore = custBefore / (BEFORE_DAYS / 30);
  const perAfter = custAfter / monthsAfter;
  const inPerBefore = inBefore / (BEFORE_DAYS / 30);
  const inPerAfter = inAfter / monthsAfter;
  const stage: FollowUp["stage"] = days < 60 ? "30" : days < 90 ? "60" : "90";

  let decision: FollowUp["decision"] = "measuring";
  let why = "";
  if (days >= 90) {
    if (shipped === 0) {
      decision = "refine";
      why = `nothing on ${c} shipped, so the plan did not reach the bottleneck: refine it`;
    } else if (perBefore > 0 ? perAfter <= (1 - RELIEVED) * perBefore : inPerAfter <= (1 - RELIEVED) * inPerBefore) {
      decision = "move-on";
      why = `the pain fell, so move to the next bottleneck${next && next !== c ? ` (${next})` : ""}`;
    } else if (perBefore > 0 ? perAfter >= 0.9 * perBefore : inPerAfter >= 0.9 * inPerBefore) {
      decision = "refine";
      why = `the work shipped but the pain did not fall: refine the approach to ${c}`;
    } else {
      decision = "continue";
      why = `the pain is falling but not yet by ${Math.round(RELIEVED * 100)}%: continue on ${c}`;
    }
  }
  const date = chosen.since.slice(0, 10);
  const sentence =
    `Shipped ${shipped} item${shipped === 1 ? "" : "s"} on ${c} since ${date}; customer-reported ${c} issues went from ${fmt(perBefore)} to ${fmt(perAfter)} a month` +
    (carriedBefore + carriedAfter > 0 ? `, carry-overs from ${carriedBefore} to ${carriedAfter}` : "") +
    "." +
    (decision === "measuring" ? ` Day ${days} of 90: keep measuring.` : ` At ${days} days, ${why}.`);
  return {
    constraint: c,
    since: chosen.since,
    source: chosen.source,
    days,
    shipped,
    customerPerMonthBefore: r1(perBefore),
    customerPerMonthAfter: r1(perAfter),
    inflowPerMonthBefore: r1(inPerBefore),
    inflowPerMonthAfter: r1(inPerAfter),
    carriedBefore,
    carriedAfter,
    stage,
    decision,
    sentence,
    next: decision === "move-on" && next !== c ? next : null,
  };
}
