/**
 * From weighed evidence to a verdict a product leader can read: which
 * constraint leads (or that none clearly does, and what would decide), the
 * evidence per constraint in plain words, and what each tracker's data could
 * not tell us.
 */
import { CONSTRAINTS, type Constraint, type Tracker } from "../../../domain/types";
import { CONSTRAINT_GUIDE } from "./constraints";
import { medianOf, type ConstraintEvidence, type DiagnosisResult } from "./diagnose";
import type { AuditSettings, ConstraintPressure, Diagnosis } from "./schema";

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const money = (x: number) => (x >= 1e6 ? `$${r1(x / 1e6)}M` : x >= 1e3 ? `$${Math.round(x / 1e3)}k` : `$${Math.round(x)}`);
const days = (x: number) => `${Math.round(x)} day${Math.round(x) === 1 ? "" : "s"}`;

export interface Verdict {
  verdict: Diagnosis["verdict"];
  dominant: number;
  runnerUp: number;
  order: number[];
  total: number;
}

/** Orders constraints by pressure and decides whether one clearly leads. */
export function decide(acc: ConstraintEvidence[], s: AuditSettings["diagnosis"], anyOpen: boolean): Verdict {
  const order = CONSTRAINTS.map((_, i) => i).sort((x, y) => acc[y]!.pressure - acc[x]!.pressure || x - y);
  const total = acc.reduce((t, a) => t + a.pressure, 0);
  const top = acc[order[0]!]!.pressure;
  const second = acc[order[1]!]!.pressure;
  const runnerUp = second > 0 ? order[1]! : -1;
  if (!anyOpen) return { verdict: "none", dominant: -1, runnerUp: -1, order, total };
  if (top < s.minPressure) return { verdict: "thin", dominant: -1, runnerUp, order, total };
  if (second > 0 && top < s.minLead * second) return { verdict: "split", dominant: -1, runnerUp, order, total };
  return { verdict: "clear", dominant: order[0]!, runnerUp, order, total };
}

/** The evidence of one constraint in plain words, strongest first. */
export function describeConstraint(a: ConstraintEvidence, c: Constraint, windowDays: number, team: DiagnosisResult["team"], waitingAfterDays = 30): string[] {
  const out: Array<[number, string]> = [];
  const b = a.breakdown;
  const cust: string[] = [];
  if (a.requests > 0)
    cust.push(
      `${plural(a.requests, "customer request")}${a.customers.size > 0 ? ` from ${plural(a.customers.size, "customer")}` : ""}${a.revenue > 0 ? ` (${money(a.revenue)} revenue)` : ""}`,
    );
  if (a.supportLinks > 0) cust.push(`${plural(a.supportLinks, "support ticket")} linked`);
  if (a.incidentLinks > 0) cust.push(`${plural(a.incidentLinks, "incident or error report")} linked`);
  if (a.votes > 0) cust.push(`${plural(a.votes, "vote")}/reactions`);
  if (a.duplicates > 0) cust.push(`${plural(a.duplicates, "duplicate report")}`);
  if (a.keywordOnly > 0) cust.push(`${plural(a.keywordOnly, "issue")} mentioning customers in words only`);
  if (cust.length) out.push([b.customer, `Customers: ${cust.join(", ")}.`]);
  if (b.severity > 0) out.push([b.severity, `Severity: urgent or high priority, or a linked incident, on open work (+${r1(b.severity)}).`]);
  if (a.evidencedInflow > 0 || a.inflow > 0) {
    const grow = a.evidencedInflow > a.evidencedOutflow;
    out.push([
      b.growth,
      `Flow: ${a.inflow} new vs ${a.outflow} closed in ${windowDays} days${a.evidencedInflow > 0 ? `; ${a.evidencedInflow} of the new had customer or severity evidence, ${a.evidencedOutflow} such closed` : ""}${grow ? " — arriving faster than it closes" : ""}.`,
    ]);
  }
  if (a.agingOpen > 0) {
    const tc = medianOf(a.closeDays);
    out.push([
      b.aging,
      `Aging: ${plural(a.agingOpen, "evidenced open issue")} older than ${tc === null ? `${days(Math.max(7, waitingAfterDays))} (nothing on it closed recently to set a norm)` : `the usual ${days(Math.max(7, tc))} to close`}.`,
    ]);
  }
  if (a.reopened > 0) out.push([b.reopened, `Reopened ${plural(a.reopened, "time")} in the window.`]);
  if (a.carriedOver > 0)
    out.push([b.carryOver, `Carried over: ${plural(a.carriedOver, "unfinished carry", "unfinished carries")} out of closed sprints or cycles.`]);
  const cc = medianOf(a.customerCloseDays);
  if (cc !== null) out.push([0.01, `Customer-reported work took ${days(cc)} to close (median).`]);
  if (c === "throughput" && b.delivery > 0) {
    const parts: string[] = [];
    const why = team.deliveryReasons;
    if (why.includes("cycle-time")) parts.push(`cycle time ${days(team.priorCycleTimeDays!)} → ${days(team.cycleTimeDays!)}`);
    if (why.includes("closes")) parts.push(`${team.closedPriorWindow} → ${team.closedInWindow} items closed per ${windowDays} days`);
    if (why.includes("carry-over")) parts.push(`${Math.round(team.carryOverRate! * 100)}% of sprint/cycle work carried over`);
    out.push([b.delivery, `Delivery is slowing across the team: ${parts.join(", ")}.`]);
  }
  if (a.quietOpen > 0) out.push([-1, `${plural(a.quietOpen, "open issue")} with no customer, severity or flow evidence (not counted).`]);
  return out.sort((x, y) => y[0] - x[0]).map((x) => x[1]);
}

export function toPressure(
  a: ConstraintEvidence,
  c: Constraint,
  total: number,
  windowDays: number,
  team: DiagnosisResult["team"],
  planned: { count: number; effort: number },
  waitingAfterDays = 30,
): ConstraintPressure {
  const b = a.breakdown;
  const tc = medianOf(a.closeDays);
  const age = medianOf(a.openAges);
  const months = windowDays / 30;
  return {
    constraint: c,
    pressure: r3(a.pressure),
    share: total > 0 ? a.pressure / total : 0,
    openCount: a.openCount,
    plannedCount: planned.count,
    plannedEffort: planned.effort,
    quietOpen: a.quietOpen,
    breakdown: {
      customer: r3(b.customer),
      severity: r3(b.severity),
      growth: r3(b.growth),
      aging: r3(b.aging),
      reopened: r3(b.reopened),
      carryOver: r3(b.carryOver),
      delivery: r3(b.delivery),
    },
    flow: {
      inflow: a.inflow,
      outflow: a.outflow,
      openAtStart: a.openAtStart,
      growing: a.openCount > a.openAtStart,
      evidencedInflow: a.evidencedInflow,
      evidencedOutflow: a.evidencedOutflow,
      typicalCloseDays: tc === null ? null : r1(tc),
      medianOpenAgeDays: age === null ? null : r1(age),
      agingOpen: a.agingOpen,
      reopened: a.reopened,
      carriedOver: a.carriedOver,
      customerOpen: a.customerOpen,
      customerInflowPerMonth: r1(a.customerInflow / months),
      customerCloseDays: medianOf(a.customerCloseDays),
    },
    customer: {
      requests: a.requests,
      customers: a.customers.size,
      revenue: a.revenue,
      supportLinks: a.supportLinks,
      incidentLinks: a.incidentLinks,
      votes: a.votes,
      watchers: a.watchers,
      duplicates: a.duplicates,
      keywordOnly: a.keywordOnly,
    },
    summary: describeConstraint(a, c, windowDays, team, waitingAfterDays),
  };
}

/** What each tracker's data could not give, in words. Structural gaps first, then gaps in this data. */
export function coverage(d: DiagnosisResult): Diagnosis["coverage"] {
  const out: Diagnosis["coverage"] = [];
  for (const [tracker, count] of d.trackers) {
    const t = tracker as Tracker;
    const has = (k: keyof DiagnosisResult["seen"]) => (d.seen[k].get(t) ?? 0) > 0;
    const missing: string[] = [];
    if (t === "github") {
      missing.push("GitHub has no customer-request structure: customer evidence comes from reactions, duplicates, and support or incident links in the body");
      missing.push(
        "GitHub has no watcher count or sprint history: carry-over is read from milestones that closed or passed their due date with the issue open",
      );
    }
    if (t === "jira") {
      missing.push(
        "Jira has no customer-request structure with revenue: customer evidence comes from votes, watchers and support or incident links in the description",
      );
      if (!has("links")) missing.push("Jira remote links (support tickets, incidents) are not read: they take one request per issue");
    }
    if (t === "linear") {
      missing.push(
        "Linear has no votes or watchers: customer evidence comes from customer requests (the first two per issue), reactions and links in the description",
      );
      if (!has("links")) missing.push("Linear attachments are not read (they would push a sync page past Linear's query budget)");
    }
    if (!has("closedAt")) missing.push("no close dates in this data: inflow against outflow and time to close cannot be measured");
    if (!has("iteration") && !has("carried")) missing.push("no sprint, cycle or milestone data: carry-over cannot be measured");
    if (!has("startedAt")) missing.push("no start dates: cycle time is measured from creation");
    if (t === "linear" && !has("requests")) missing.push("no Linear customer requests in this data");
    out.push({ tracker: t, issues: count, missing });
  }
  return out;
}

/** For a verdict that is not clear: the evidence that would decide it. */
export function decidingEvidence(v: Verdict, d: DiagnosisResult): string[] {
  if (v.verdict === "clear" || v.verdict === "none") return [];
  const out: string[] = [];
  const any = (k: keyof DiagnosisResult["seen"]) => [...d.seen[k].values()].some((x) => x > 0);
  const candidates = v.verdict === "split" ? [v.order[0]!, v.runnerUp].filter((i) => i >= 0) : v.order.filter((i) => d.acc[i]!.pressure > 0).slice(0, 3);
  if (candidates.length >= 2) {
    const names = candidates.map((i) => CONSTRAINTS[i]!);
    const list = names.length === 2 ? `${names[0]} and ${names[1]}` : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
    out.push(
      `Which of ${list} customers feel ${names.length === 2 ? "more" : "most"}: link the support tickets and customer requests behind their open issues.`,
    );
    out.push(`Which grows: run the audit again in 30 days and compare ${list} inflow against what closes.`);
  }
  if (!any("requests") && !any("links")) out.push("Customer requests (with the customer's revenue) or links to support and incident tools on the issues.");
  if (!any("closedAt")) out.push("Close dates for finished work, so inflow can be set against outflow.");
  if (!any("iteration") && !any("carried")) out.push("Sprint, cycle or milestone history, so carry-over can be measured.");
  if (v.verdict === "thin" && out.length === 0)
    out.push("More evidence of pain on any constraint: customer requests, incidents, urgent work, or work that keeps being carried over.");
  return out;
}

/** The diagnosis in one or two sentences. */
export function diagnosisSentence(v: Verdict, acc: ConstraintEvidence[], pressures: ConstraintPressure[], byVolume: Constraint | null): string {
  if (v.verdict === "none") return "No classified work is open, so there is nothing to diagnose.";
  const name = (i: number) => CONSTRAINTS[i]!;
  if (v.verdict === "thin") {
    const some = v.order.filter((i) => acc[i]!.pressure > 0);
    return some.length >= 3
      ? `No clear bottleneck: a little pressure is spread across ${some.length} constraints (the most, ${name(v.order[0]!)}, has ${r1(acc[v.order[0]!]!.pressure)}), and none stands out.`
      : "No clear bottleneck: the evidence is too thin to name one. The backlog holds requests, but little shows customer pain, growth, aging or carry-over.";
  }
  if (v.verdict === "split") {
    return `No clear bottleneck: ${name(v.order[0]!)} and ${name(v.runnerUp)} carry similar pressure (${r1(acc[v.order[0]!]!.pressure)} vs ${r1(acc[v.runnerUp]!.pressure)}).`;
  }
  const c = name(v.dominant);
  const p = pressures.find((x) => x.constraint === c)!;
  const lead = `${CONSTRAINT_GUIDE[c].label} is under the most pressure. ${p.summary[0] ?? ""}`.trim();
  const contrast = byVolume && byVolume !== c ? ` Most open issues are ${byVolume}, but volume measures the wish list, not the pain.` : "";
  return lead + contrast;
}
