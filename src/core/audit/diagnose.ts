/**
 * The diagnosis: which constraint is under pressure, read from how work flows
 * (inflow against outflow, aging, reopens, carry-over, cycle time) and from
 * what customers say through the trackers' structures. The count of open
 * issues adds nothing: a wish list is large by nature.
 *
 * Pure. One pass over all issues (open and closed), then a short pass over the
 * evidenced open issues for aging, once each constraint's usual time to close
 * is known.
 */
import { CONSTRAINTS, type Classification, type Constraint, type Issue } from "../../../domain/types";
import { newCustomerEvidence, readCustomer } from "./customer";
import type { AuditSettings, PressureBreakdown } from "./schema";
import { isOpen, makeSignalReader, newSignals } from "./signals";

const DAY_MS = 86_400_000;
/** Per-issue caps, so one noisy issue cannot decide alone. */
const MAX_REOPENS = 3;
const MAX_CARRIES = 3;
/** Systemic carry-over: at or above this share of iteration work carried, delivery itself is the constraint. */
const SYSTEMIC_CARRY_RATE = 0.3;
const MIN_CYCLE_SAMPLES = 5;
const MIN_CARRY_SAMPLES = 5;
/** Closes falling count only against a prior window with at least this many. */
const MIN_CLOSES_PRIOR = 20;
/** Customer weight from which work counts as evidenced: any structure (a request, a link, a few votes), not a lone keyword (0.5–0.75). */
export const STRONG_CUSTOMER = 1;
/** Weight in growth of work with only a customer word (evidenced work: 1, quiet work: 0). */
const KEYWORD_GROWTH = 0.5;

export interface ConstraintEvidence {
  pressure: number;
  breakdown: PressureBreakdown;
  openCount: number;
  quietOpen: number;
  inflow: number;
  outflow: number;
  openAtStart: number;
  evidencedInflow: number;
  evidencedOutflow: number;
  /** Inflow and outflow weighted by confidence and by evidence (evidenced 1, customer word 0.5, quiet 0). */
  growthIn: number;
  growthOut: number;
  closeDays: number[];
  openAges: number[];
  agingOpen: number;
  reopened: number;
  carriedOver: number;
  customerOpen: number;
  customerInflow: number;
  customerCloseDays: number[];
  requests: number;
  customers: Set<string>;
  revenue: number;
  supportLinks: number;
  incidentLinks: number;
  votes: number;
  watchers: number;
  duplicates: number;
  keywordOnly: number;
}

export interface TeamFlow {
  closedInWindow: number;
  closedPriorWindow: number;
  cycleTimeDays: number | null;
  priorCycleTimeDays: number | null;
  carryOverRate: number | null;
  iterationItems: number;
  carriedItems: number;
  /** Carries on work classified elsewhere, which systemic carry-over adds to throughput. */
  carriesElsewhere: number;
  /** Which delivery signals fired. */
  deliveryReasons: Array<"carry-over" | "cycle-time" | "closes">;
}

export interface DiagnosisResult {
  acc: ConstraintEvidence[];
  team: TeamFlow;
  /** Per input index: this issue's pressure (0 for closed/unclassified); evidence rows are ranked by it. */
  contrib: Float64Array;
  /** Per input index: customer weight, severity, age in days (for row reasons). */
  customerW: Float32Array;
  severity: Float32Array;
  from: Date;
  /** What the input carries at all, for the coverage note. */
  seen: Record<"closedAt" | "startedAt" | "reopened" | "carried" | "iteration" | "requests" | "links" | "votes" | "watchers", Map<string, number>>;
  trackers: Map<string, number>;
}

export const zeroBreakdown = (): PressureBreakdown => ({ customer: 0, severity: 0, growth: 0, aging: 0, reopened: 0, carryOver: 0, delivery: 0 });

const newEvidence = (): ConstraintEvidence => ({
  pressure: 0,
  breakdown: zeroBreakdown(),
  openCount: 0,
  quietOpen: 0,
  inflow: 0,
  outflow: 0,
  openAtStart: 0,
  evidencedInflow: 0,
  evidencedOutflow: 0,
  growthIn: 0,
  growthOut: 0,
  closeDays: [],
  openAges: [],
  agingOpen: 0,
  reopened: 0,
  carriedOver: 0,
  customerOpen: 0,
  customerInflow: 0,
  customerCloseDays: [],
  requests: 0,
  customers: new Set(),
  revenue: 0,
  supportLinks: 0,
  incidentLinks: 0,
  votes: 0,
  watchers: 0,
  duplicates: 0,
  keywordOnly: 0,
});

/** Median of a numeric array (sorts it in place); null when empty. */
export function medianOf(xs: number[]): number | null {
  if (xs.length === 0) return null;
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
}

/**
 * Carries of one issue: the stored count (Jira's sprint list), or at least 1
 * when it is open in a closed iteration, or its iteration ended before it
 * closed or while it is still open (exports and GitHub milestones give only the last
 * iteration, with its end date). A day's grace for same-day closes.
 */
export function carriesOf(issue: Issue, nowMs: number): number {
  const stored = issue.carriedOver ?? 0;
  const open = issue.stateCategory !== "done" && issue.stateCategory !== "canceled";
  if (open && issue.iteration?.state === "closed") return Math.max(1, stored);
  const end = issue.iteration?.endsAt ? Date.parse(issue.iteration.endsAt) : NaN;
  if (!Number.isFinite(end)) return stored;
  const until = open ? nowMs : issue.closedAt ? Date.parse(issue.closedAt) : NaN;
  return Number.isFinite(until) && until > end + DAY_MS ? Math.max(1, stored) : stored;
}

const CIDX: Record<Constraint, number> = { activation: 0, adoption: 1, reliability: 2, operations: 3, throughput: 4 };

/**
 * Reads flow and customer evidence for every constraint and weighs it into pressure.
 *
 * @example
 * const d = diagnoseFlow(rows, settings, now);
 * d.acc[2].breakdown.customer; // reliability's customer pressure
 */
export function diagnoseFlow(issues: ReadonlyArray<{ issue: Issue; classification: Classification }>, settings: AuditSettings, now: Date): DiagnosisResult {
  const { windowDays, weights: w } = settings.diagnosis;
  const nowMs = now.getTime();
  const startMs = nowMs - windowDays * DAY_MS;
  const priorMs = startMs - windowDays * DAY_MS;
  const n = issues.length;
  const read = makeSignalReader(settings, now);
  const sig = newSignals();
  const cust = newCustomerEvidence();
  const acc = CONSTRAINTS.map(newEvidence);
  const contrib = new Float64Array(n);
  const customerW = new Float32Array(n);
  const severity = new Float32Array(n);
  const ageDays = new Float32Array(n);
  const agingCandidates: number[] = [];
  const recentCycle: number[] = [];
  const priorCycle: number[] = [];
  let closedInWindow = 0;
  let closedPriorWindow = 0;
  let iterationItems = 0;
  let carriedItems = 0;
  let carriesElsewhere = 0;
  const mk = () => new Map<string, number>();
  const seen: DiagnosisResult["seen"] = {
    closedAt: mk(),
    startedAt: mk(),
    reopened: mk(),
    carried: mk(),
    iteration: mk(),
    requests: mk(),
    links: mk(),
    votes: mk(),
    watchers: mk(),
  };
  const trackers = new Map<string, number>();
  const mark = (m: Map<string, number>, t: string) => m.set(t, (m.get(t) ?? 0) + 1);

  for (let i = 0; i < n; i++) {
    const { issue, classification: c } = issues[i]!;
    const t = issue.tracker;
    mark(trackers, t);
    if (issue.closedAt) mark(seen.closedAt, t);
    if (issue.startedAt) mark(seen.startedAt, t);
    if ((issue.reopenedCount ?? 0) > 0) mark(seen.reopened, t);
    const carried = carriesOf(issue, nowMs);
    if (carried > 0) mark(seen.carried, t);
    if (issue.iteration) mark(seen.iteration, t);
    if ((issue.customerRequests ?? []).length > 0) mark(seen.requests, t);
    if ((issue.links ?? []).length > 0) mark(seen.links, t);
    if (issue.reactions > 0) mark(seen.votes, t);
    if ((issue.watchers ?? 0) > 0) mark(seen.watchers, t);

    const open = isOpen(issue);
    const created = Date.parse(issue.createdAt);
    const closed = !open && issue.closedAt ? Date.parse(issue.closedAt) : NaN;
    const createdIn = created >= startMs && created <= nowMs;
    const closedIn = closed >= startMs && closed <= nowMs;
    const closedPrior = closed >= priorMs && closed < startMs;
    const active = open || closedIn;

    // Team-wide delivery, over all work (classified or not).
    const done = issue.stateCategory === "done";
    if (done && (closedIn || closedPrior)) {
      const from = issue.startedAt ? Date.parse(issue.startedAt) : created;
      const days = (closed - from) / DAY_MS;
      if (closedIn) closedInWindow++;
      else closedPriorWindow++;
      if (Number.isFinite(days) && days >= 0) (closedIn ? recentCycle : priorCycle).push(days);
    }
    if (active && (issue.iteration || carried > 0)) {
      iterationItems++;
      if (carried > 0) carriedItems++;
    }

    if (c.constraint === null) continue;
    const ci = CIDX[c.constraint];
    const a = acc[ci]!;
    const conf = c.confidence;
    if (active && carried > 0 && c.constraint !== "throughput") carriesElsewhere += conf * Math.min(MAX_CARRIES, carried);

    // Usual time to close: done work closed in this window or the one before.
    if (done && (closedIn || closedPrior) && Number.isFinite(created)) a.closeDays.push(Math.max(0, (closed - created) / DAY_MS));
    if (createdIn) a.inflow++;
    if (closedIn) a.outflow++;
    if (created < startMs && (open || closed >= startMs)) a.openAtStart++; // closed work without a close date: unknown, not counted
    if (!active && !createdIn) continue;

    read(issue, c.constraint, sig);
    readCustomer(issue, sig.customerMatch, cust);
    let sev = issue.priority === 1 ? 1 : issue.priority === 2 ? 0.5 : 0;
    if (cust.incidentLinks > 0) sev = Math.min(1, sev + 0.5);
    // A word alone adds a little customer pressure but does not make work "evidenced" for aging.
    const evidenced = cust.weight >= STRONG_CUSTOMER || sev > 0;
    // Growth: evidenced work counts in full, work with only a customer word half, quiet work not at all (a wish
    // list grows by nature; counting it, even at a quarter, named a freshly filed wish list the bottleneck).
    const g = evidenced ? 1 : cust.weight > 0 ? KEYWORD_GROWTH : 0;
    if (createdIn) {
      if (evidenced) a.evidencedInflow++;
      a.growthIn += conf * g;
    }
    if (closedIn) {
      if (evidenced) a.evidencedOutflow++;
      a.growthOut += conf * g;
    }
    if (createdIn && cust.weight > 0) a.customerInflow++;
    if (closedIn && cust.weight > 0 && Number.isFinite(created)) a.customerCloseDays.push(Math.max(0, (closed - created) / DAY_MS));

    const reopens = Math.min(MAX_REOPENS, issue.reopenedCount ?? 0);
    const carries = Math.min(MAX_CARRIES, carried);
    let p = 0;
    if (active) {
      a.reopened += issue.reopenedCount ?? 0;
      a.carriedOver += carried;
      a.breakdown.reopened += conf * w.reopened * reopens;
      a.breakdown.carryOver += conf * w.carryOver * carries;
      p += conf * (w.reopened * reopens + w.carryOver * carries);
    }
    if (open) {
      a.openCount++;
      customerW[i] = cust.weight;
      severity[i] = sev;
      const age = Number.isFinite(created) ? Math.max(0, (nowMs - created) / DAY_MS) : 0;
      ageDays[i] = age;
      a.openAges.push(age);
      a.breakdown.customer += conf * w.customer * cust.weight;
      a.breakdown.severity += conf * w.severity * sev;
      p += conf * (w.customer * cust.weight + w.severity * sev);
      if (evidenced) agingCandidates.push(i);
      else if (reopens === 0 && carries === 0) a.quietOpen++;
      if (cust.weight > 0) {
        a.customerOpen++;
        a.requests += cust.requests;
        for (const name of cust.customers) a.customers.add(name);
        a.revenue += cust.revenue;
        a.supportLinks += cust.supportLinks;
        a.incidentLinks += cust.incidentLinks;
        a.votes += issue.reactions;
        a.watchers += issue.watchers ?? 0;
        a.duplicates += issue.duplicateCount;
        if (cust.keywordOnly) a.keywordOnly++;
      }
    }
    contrib[i] = p;
  }

  // Growth: evidenced work arriving faster than it leaves.
  for (const a of acc) {
    const g = Math.max(0, a.growthIn - a.growthOut) * w.growth;
    a.breakdown.growth += g;
  }

  // Aging: evidenced open work older than its constraint's usual time to close.
  const typical = acc.map((a) => medianOf(a.closeDays));
  const fallback = settings.waitingAfterDays;
  for (const i of agingCandidates) {
    const { classification: c } = issues[i]!;
    const ci = CIDX[c.constraint!];
    const tc = Math.max(7, typical[ci] ?? fallback);
    const age = ageDays[i]!;
    if (age <= tc) continue;
    const a = acc[ci]!;
    a.agingOpen++;
    const v = c.confidence * w.aging * Math.min(1, (age - tc) / Math.max(tc, 14));
    a.breakdown.aging += v;
    contrib[i] = contrib[i]! + v;
  }

  // Delivery: systemic carry-over, cycle time rising, closes falling → throughput.
  const cycle = medianOf(recentCycle);
  const priorCycleDays = medianOf(priorCycle);
  const carryOverRate = iterationItems > 0 ? carriedItems / iterationItems : null;
  let delivery = 0;
  const deliveryReasons: TeamFlow["deliveryReasons"] = [];
  if (carryOverRate !== null && iterationItems >= MIN_CARRY_SAMPLES && carryOverRate >= SYSTEMIC_CARRY_RATE) {
    delivery += carriesElsewhere;
    deliveryReasons.push("carry-over");
  }
  if (cycle !== null && priorCycleDays !== null && recentCycle.length >= MIN_CYCLE_SAMPLES && priorCycle.length >= MIN_CYCLE_SAMPLES && priorCycleDays > 0) {
    const ratio = cycle / priorCycleDays;
    if (ratio >= 1.25) {
      delivery += 10 * Math.min(1, ratio - 1);
      deliveryReasons.push("cycle-time");
    }
  }
  if (closedPriorWindow >= MIN_CLOSES_PRIOR && closedInWindow < 0.6 * closedPriorWindow) {
    delivery += 10 * (1 - closedInWindow / closedPriorWindow);
    deliveryReasons.push("closes");
  }
  acc[CIDX.throughput]!.breakdown.delivery += w.delivery * delivery;

  for (const a of acc) {
    const b = a.breakdown;
    a.pressure = b.customer + b.severity + b.growth + b.aging + b.reopened + b.carryOver + b.delivery;
  }

  return {
    acc,
    team: {
      closedInWindow,
      closedPriorWindow,
      cycleTimeDays: cycle,
      priorCycleTimeDays: priorCycleDays,
      carryOverRate,
      iterationItems,
      carriedItems,
      carriesElsewhere,
      deliveryReasons,
    },
    contrib,
    customerW,
    severity,
    from: new Date(startMs),
    seen,
    trackers,
  };
}
