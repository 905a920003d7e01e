import { CONSTRAINTS, type Classification, type Constraint, type Issue, type Scores } from "../../../domain/types";
import { CONSTRAINT_GUIDE } from "./constraints";
import { effortRule } from "./effort";
import { recommend } from "./recommend";
import { toRow } from "./rows";
import {
  AuditSettingsSchema,
  type AuditReport,
  type AuditRow,
  type AuditSettingsInput,
  type AuditSummary,
  type ConstraintPressure,
  type DriftLevel,
} from "./schema";
import { isOpen, isPlanned, makeSignalReader, newSignals } from "./signals";
import { describeEvidence } from "./evidence-words";
import { diagnoseFlow } from "./diagnose";
import { chosenConstraint, followUp } from "./follow-up";
import { coverage, decide, decidingEvidence, diagnosisSentence, toPressure } from "./verdict";
import { TopN } from "./top-n";
import { computeTrend } from "./trend";
import { wishListReasons } from "./wish-list";
import { headline } from "./headline";

/** Scores one issue; must be pure (the audit may call it twice for rows it shows). */
export type ScoreFn = (issue: Issue, c: Classification, ctx: { dominant: Constraint | null }) => Scores;

export interface AuditInput {
  issues: ReadonlyArray<{ issue: Issue; classification: Classification }>;
  score: ScoreFn;
  settings?: AuditSettingsInput;
  now: Date;
  /** Previous audits, newest first. */
  history?: AuditSummary[];
}

const OPEN = 1;
const PLANNED = 2;
const CIDX: Record<Constraint, number> = { activation: 0, adoption: 1, reliability: 2, operations: 3, throughput: 4 };

/** Maps drift to its level by the configured thresholds. */
export function driftLevel(drift: number | null, t: { alignedMax: number; watchMax: number }): DriftLevel {
  if (drift === null) return "unknown";
  return drift <= t.alignedMax ? "aligned" : drift <= t.watchMax ? "watch" : "drifted";
}

/**
 * Runs the audit: infers the dominant constraint from evidence pressure, measures
 * how much planned effort works on it, and lists wish-list items, missing work,
 * flags, the trend against history and recommendations. Pure and linear-time:
 * two passes over the issues, with top-N selection for every table.
 *
 * @example
 * const report = runAudit({ issues, score: (i, c, ctx) => scoreIssue(i, c, ctx), now: new Date(), history });
 * report.dominant.constraint; // "reliability"
 * report.drift.level;         // "watch"
 */
export function runAudit(input: AuditInput): AuditReport {
  const settings = AuditSettingsSchema.parse(input.settings ?? {});
  const { issues, score, now } = input;
  const n = issues.length;
  const read = makeSignalReader(settings, now);
  const sig = newSignals();

  // Pass 1: open/planned flags, classified open counts (volume, kept only for contrast).
  const cOf = new Int8Array(n).fill(-1);
  const flags = new Uint8Array(n);
  const planAcc = CONSTRAINTS.map(() => ({ plannedCount: 0, plannedEffort: 0 }));
  const volume = new Float64Array(CONSTRAINTS.length);
  const known: number[] = [];
  let unknown = 0;
  let open = 0;
  let classifiedOpen = 0;
  let plannedCount = 0;
  for (let i = 0; i < n; i++) {
    const { issue, classification: c } = issues[i]!;
    if (!isOpen(issue)) continue;
    open++;
    flags[i] = OPEN;
    if (isPlanned(issue, settings.planned)) {
      flags[i] = OPEN | PLANNED;
      plannedCount++;
      if (issue.estimate === null) unknown++;
      else known.push(issue.estimate);
    }
    if (c.constraint === null) continue;
    const ci = CIDX[c.constraint];
    cOf[i] = ci;
    classifiedOpen++;
    volume[ci]! += c.confidence * settings.evidenceWeights.volume;
  }

  // The diagnosis: flow and customer evidence over all issues, open and closed.
  const diag = diagnoseFlow(issues, settings, now);
  const { acc, contrib } = diag;
  const verdict = decide(acc, settings.diagnosis, classifiedOpen > 0);
  const { order } = verdict;
  const totalPressure = verdict.total;
  const share = (i: number) => (totalPressure > 0 ? acc[i]!.pressure / totalPressure : 0);
  const domIdx = verdict.dominant;
  const runIdx = domIdx >= 0 ? verdict.runnerUp : -1;
  const dominant: Constraint | null = domIdx >= 0 ? CONSTRAINTS[domIdx]! : null;
  let volIdx = -1;
  for (let k = 0; k < volume.length; k++) if (volume[k]! > 0 && (volIdx < 0 || volume[k]! > volume[volIdx]!)) volIdx = k;
  const ctx = { dominant };

  // Pass 2: effort, drift, and the tables (scoring only the issues a table can use).
  const rule = effortRule(known, unknown);
  const effortOf = (issue: Issue) => (!rule.useEstimates ? 1 : (issue.estimate ?? rule.fill));
  const { maxRows, weakEvidenceMax: weak, strongEvidenceMin: strong } = settings;
  const evidence = new TopN(settings.evidenceRows);
  const wish = new TopN(maxRows);
  const missing = new TopN(maxRows);
  const hpWeak = new TopN(maxRows);
  const unclPlanned = new TopN(maxRows);
  let on = 0;
  let off = 0;
  let unclassifiedEffort = 0;
  let plannedEffort = 0;
  let scored = 0;
  for (let i = 0; i < n; i++) {
    const f = flags[i]!;
    if (!(f & OPEN)) continue;
    const { issue, classification: c } = issues[i]!;
    const ci = cOf[i]!;
    const isPl = (f & PLANNED) !== 0;
    const onDom = domIdx >= 0 && ci === domIdx;
    let e = 0;
    if (isPl) {
      e = effortOf(issue);
      plannedEffort += e;
      if (onDom) on += e;
      else off += e;
      if (ci >= 0) {
        planAcc[ci]!.plannedCount++;
        planAcc[ci]!.plannedEffort += e;
      } else {
        unclassifiedEffort += e;
        unclPlanned.offer(i, e);
      }
    }
    if (onDom) evidence.offer(i, contrib[i]!);
    const hp = issue.priority === 1 || issue.priority === 2;
    const wantWish = isPl && ci >= 0 && domIdx >= 0 && !onDom;
    const wantMissing = !isPl && onDom;
    if (!(wantWish || wantMissing || hp)) continue;
    const s = score(issue, c, ctx);
    scored++;
    if (wantWish && wishListReasons(s, weak, settings.strongEvidenceMin).length > 0) wish.offer(i, e + (5 - s.evidence) * 1e-3);
    if (wantMissing && s.evidence >= strong) missing.offer(i, s.evidence * 1e6 + s.impact * 1e4 + Math.min(contrib[i]!, 9999));
    if (hp && s.evidence <= weak) hpWeak.offer(i, (issue.priority === 1 ? 2e6 : 1e6) + (isPl ? 1e5 : 0) + contrib[i]!);
  }

  const driftValue = domIdx >= 0 && plannedEffort > 0 ? off / plannedEffort : null;
  const level = driftLevel(driftValue, settings.drift);

  // Rows: only for the few selected issues; scores are recomputed for them.
  const rowOf = (i: number, reasons: (s: Scores) => string[]): AuditRow => {
    const { issue, classification: c } = issues[i]!;
    const s = score(issue, c, ctx);
    const isPl = (flags[i]! & PLANNED) !== 0;
    return toRow(issue, c, { planned: isPl, effort: isPl ? effortOf(issue) : null, pressure: contrib[i]!, scores: s, reasons: reasons(s) });
  };
  const signalsOf = (i: number) => {
    const { issue, classification: c } = issues[i]!;
    return describeEvidence(issue, read(issue, c.constraint, sig), diag.customerW[i]!, diag.severity[i]!);
  };
  const table = (t: TopN, reasons: (i: number, s: Scores) => string[]) => ({
    total: t.total,
    rows: t.result().map((i) => rowOf(i, (s) => reasons(i, s))),
  });

  const evidenceRows = evidence.result().map((i) => rowOf(i, () => signalsOf(i)));
  const wishList = table(wish, (_, s) => wishListReasons(s, weak, settings.strongEvidenceMin).map((r) => r.text));
  const missingFromPlan = table(missing, (i, s) => [`strong evidence (${s.evidence}/5) on the bottleneck, not planned`, ...signalsOf(i)]);
  const highPriorityWeakEvidence = table(hpWeak, (i, s) => [
    `${issues[i]!.issue.priority === 1 ? "urgent" : "high"} priority but weak evidence (${s.evidence}/5)`,
  ]);
  const unclassifiedPlanned = table(unclPlanned, () => ["planned, but no constraint could be assigned; counted as off-constraint"]);

  const { windowDays } = settings.diagnosis;
  const pressures: ConstraintPressure[] = order.map((i) =>
    toPressure(
      acc[i]!,
      CONSTRAINTS[i]!,
      totalPressure,
      windowDays,
      diag.team,
      { count: planAcc[i]!.plannedCount, effort: planAcc[i]!.plannedEffort },
      settings.waitingAfterDays,
    ),
  );
  const byVolume = volIdx >= 0 ? CONSTRAINTS[volIdx]! : null;
  const r1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  const diagnosis = {
    windowDays,
    from: diag.from.toISOString(),
    verdict: verdict.verdict,
    sentence: diagnosisSentence(verdict, acc, pressures, byVolume),
    decidingEvidence: decidingEvidence(verdict, diag),
    byVolume,
    team: {
      closedInWindow: diag.team.closedInWindow,
      closedPriorWindow: diag.team.closedPriorWindow,
      cycleTimeDays: r1(diag.team.cycleTimeDays),
      priorCycleTimeDays: r1(diag.team.priorCycleTimeDays),
      carryOverRate: diag.team.carryOverRate === null ? null : Math.round(diag.team.carryOverRate * 1000) / 1000,
    },
    coverage: coverage(diag),
  };
  const history = input.history ?? [];
  const chosen = chosenConstraint(settings, history, dominant, now);
  const nextUp = chosen
    ? dominant && dominant !== chosen.constraint
      ? dominant
      : (CONSTRAINTS[order.find((i) => CONSTRAINTS[i] !== chosen.constraint && acc[i]!.pressure > 0) ?? -1] ?? null)
    : null;
  const follow = chosen ? followUp(issues, settings, now, chosen, nextUp) : null;

  const declared = settings.focus;
  const agrees = declared && dominant ? declared === dominant : null;
  const declaredP = declared ? pressures.find((p) => p.constraint === declared) : undefined;
  const focus = {
    declared,
    inferred: dominant,
    agrees,
    message:
      agrees === null
        ? declared
          ? `Declared focus is ${declared}, but no bottleneck could be inferred yet.`
          : "No focus declared."
        : agrees
          ? `Declared focus (${declared}) matches the evidence.`
          : `Declared focus is ${declared}, but the evidence points to ${dominant}: ${declared} has ${Math.round((declaredP?.share ?? 0) * 100)}% of the pressure${declaredP && declaredP.openCount > 0 ? ` across ${declaredP.openCount} open issues` : ""}, ${dominant} ${Math.round(share(domIdx) * 100)}%.`,
  };

  const at = now.toISOString();
  const margin = domIdx >= 0 ? share(domIdx) - (runIdx >= 0 ? share(runIdx) : 0) : 0;
  const trend = computeTrend({ at, drift: driftValue, level, dominant }, history, now);

  const report: AuditReport = {
    version: 1,
    at,
    headline: "",
    settings,
    totals: { issues: n, open, classifiedOpen, unclassifiedOpen: open - classifiedOpen, planned: plannedCount, scored },
    dominant: {
      constraint: dominant,
      share: domIdx >= 0 ? share(domIdx) : 0,
      runnerUp: runIdx >= 0 ? CONSTRAINTS[runIdx]! : null,
      runnerUpShare: runIdx >= 0 ? share(runIdx) : 0,
      margin,
      improveFirst: dominant ? CONSTRAINT_GUIDE[dominant].improveFirst : "",
      pressures,
      evidence: evidenceRows,
    },
    diagnosis,
    followUp: follow,
    focus,
    planned: {
      count: plannedCount,
      effort: plannedEffort,
      basis: rule.basis,
      estimatedCount: known.length,
      unestimatedCount: unknown,
      fillValue: rule.basis === "mixed" ? rule.fill : null,
      note: rule.note,
    },
    drift: {
      value: driftValue,
      level,
      onConstraintEffort: on,
      offConstraintEffort: off,
      unclassifiedEffort,
      thresholds: { alignedMax: settings.drift.alignedMax, watchMax: settings.drift.watchMax },
    },
    trend,
    wishList,
    missingFromPlan,
    flags: { highPriorityWeakEvidence, unclassifiedPlanned },
    recommendations: [],
  };
  report.headline = headline(report);
  report.recommendations = recommend(report);
  return report;
}
