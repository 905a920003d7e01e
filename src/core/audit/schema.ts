/**
 * Zod schemas for the audit's settings, its report and the compact summary
 * kept in history. The Worker's OpenAPI document is generated from these, so
 * every field carries a `.describe()`.
 */
import { z } from "zod";
import { ConstraintSchema, ReasonSchema, ScoreReasonSchema, TrackerSchema, STATE_CATEGORIES } from "../../../domain/types";

// ---------------------------------------------------------------- settings

export const EvidenceWeightsSchema = z
  .object({
    volume: z.number().min(0).default(1).describe("Weight of each open issue (volume of work asking for this constraint)."),
    severity: z.number().min(0).default(2).describe("Weight of severity: urgent/high priority, and Bug type/labels for reliability."),
    customer: z.number().min(0).default(2).describe("Weight of customer-reported / support-tagged / incident-linked issues (words or labels)."),
    reactions: z.number().min(0).default(1).describe("Weight of reactions/votes (log-scaled, saturates at ~31)."),
    duplicates: z.number().min(0).default(1).describe("Weight of duplicates linked to the issue (saturates at 3)."),
    age: z.number().min(0).default(1).describe("Weight of how long strong-evidence work has been left waiting (saturates at `ageSaturationDays`)."),
  })
  .describe("How much each kind of evidence adds to a constraint's pressure.");
export type EvidenceWeights = z.infer<typeof EvidenceWeightsSchema>;

export const DiagnosisWeightsSchema = z
  .object({
    customer: z
      .number()
      .min(0)
      .default(1)
      .describe("Customer pain: requests (revenue-weighted), support/incident links, votes, reactions, duplicates; a keyword counts least."),
    severity: z.number().min(0).default(1.5).describe("Urgent (1) and high (0.5) priority on open work, plus linked incidents."),
    growth: z.number().min(0).default(1).describe("Evidenced work arriving faster than it closes in the window (1 per net item)."),
    aging: z.number().min(0).default(1).describe("Evidenced open work older than this constraint's usual time to close."),
    reopened: z.number().min(0).default(1).describe("Reopened work in the window (1 per reopen, up to 3 per issue)."),
    carryOver: z.number().min(0).default(1).describe("Iterations that closed with the work unfinished (1 per carry, up to 3 per issue)."),
    delivery: z.number().min(0).default(1).describe("Team-wide delivery slowing (cycle time up, closes down, carry-over everywhere): added to throughput."),
  })
  .describe("How much each kind of pressure adds to a constraint's diagnosis. Open-issue count adds nothing.");
export type DiagnosisWeights = z.infer<typeof DiagnosisWeightsSchema>;

export const DiagnosisSettingsSchema = z
  .object({
    windowDays: z
      .number()
      .int()
      .min(7)
      .max(730)
      .default(90)
      .describe("Flow window: inflow, outflow, reopens and carry-over are counted over the last this many days."),
    weights: DiagnosisWeightsSchema.prefault({}),
    minPressure: z.number().min(0).default(6).describe("Below this much pressure on the leader, the evidence is thin: no clear bottleneck."),
    minLead: z.number().min(1).default(1.25).describe("The leader must have at least this many times the runner-up's pressure, or the evidence is split."),
  })
  .describe("How the bottleneck is diagnosed from flow and customer evidence.");
export type DiagnosisSettings = z.infer<typeof DiagnosisSettingsSchema>;

export const PlannedRuleSchema = z
  .object({
    iterationKinds: z
      .array(z.enum(["cycle", "sprint", "milestone"]))
      .describe("Iteration kinds that count as a plan (Linear cycle, Jira sprint, GitHub milestone)."),
    iterationStates: z
      .array(z.enum(["active", "next", "future", "closed"]))
      .describe("Iteration states that count as planned (e.g. the active and next cycle)."),
    stateCategories: z.array(z.enum(STATE_CATEGORIES)).describe("Workflow state categories that count as planned on their own."),
    openAndAssigned: z.boolean().describe("Whether any open issue with an assignee counts as planned."),
  })
  .describe("What counts as planned work for one tracker.");
export type PlannedRule = z.infer<typeof PlannedRuleSchema>;

export const DEFAULT_PLANNED: Record<"github" | "linear" | "jira", PlannedRule> = {
  linear: { iterationKinds: ["cycle"], iterationStates: ["active", "next"], stateCategories: ["in_progress"], openAndAssigned: false },
  jira: { iterationKinds: ["sprint"], iterationStates: ["active"], stateCategories: ["in_progress"], openAndAssigned: false },
  github: { iterationKinds: ["milestone"], iterationStates: ["active"], stateCategories: [], openAndAssigned: true },
};

export const AuditSettingsSchema = z
  .object({
    evidenceWeights: EvidenceWeightsSchema.prefault({}),
    customerWords: z
      .array(z.string().min(1))
      .default(["customer", "incident", "outage", "escalation", "escalated", "sla", "churn"])
      .describe("Words (whole words, plus s/es/ed/ing) in title, body or labels that mark customer-reported or incident-linked work."),
    customerLabelWords: z
      .array(z.string().min(1))
      .default(["support", "escalation", "customer", "incident", "sla"])
      .describe('Extra words that count only in labels ("support" in prose is usually a feature request).'),
    focus: ConstraintSchema.nullable().default(null).describe("The constraint the team declares it is focused on, if any."),
    focusSince: z
      .string()
      .nullable()
      .default(null)
      .describe(
        "When the team chose its focus (ISO date). Starts the 30/60/90 follow-up; without it the follow-up starts where history shows the bottleneck first held.",
      ),
    diagnosis: DiagnosisSettingsSchema.prefault({}),
    drift: z
      .object({
        alignedMax: z.number().min(0).max(1).default(0.35).describe("Drift at or below this is `aligned`."),
        watchMax: z.number().min(0).max(1).default(0.6).describe("Drift at or below this (and above alignedMax) is `watch`; above is `drifted`."),
      })
      .prefault({})
      .describe("Drift level thresholds (share of planned effort off the dominant constraint)."),
    planned: z
      .object({
        github: PlannedRuleSchema.default(DEFAULT_PLANNED.github),
        linear: PlannedRuleSchema.default(DEFAULT_PLANNED.linear),
        jira: PlannedRuleSchema.default(DEFAULT_PLANNED.jira),
      })
      .prefault({})
      .describe("Per-tracker rules for what counts as planned work."),
    weakEvidenceMax: z.number().int().min(1).max(5).default(2).describe("An evidence score at or below this is weak."),
    strongEvidenceMin: z.number().int().min(1).max(5).default(4).describe("An evidence score at or above this is strong."),
    waitingAfterDays: z.number().min(0).default(30).describe("Strong-evidence work open longer than this adds age pressure."),
    ageSaturationDays: z.number().min(1).default(180).describe("Age pressure reaches its maximum at this many days."),
    evidenceRows: z.number().int().min(1).max(50).default(5).describe("How many top evidence issues to show for the winner."),
    maxRows: z.number().int().min(1).max(500).default(25).describe("Row cap for the wish-list, missing-from-plan and flag tables."),
  })
  .describe("Audit settings; every field has a default.");
export type AuditSettings = z.infer<typeof AuditSettingsSchema>;
export type AuditSettingsInput = z.input<typeof AuditSettingsSchema>;

// ---------------------------------------------------------------- report parts

export const DRIFT_LEVELS = ["aligned", "watch", "drifted", "unknown"] as const;
export const DriftLevelSchema = z
  .enum(DRIFT_LEVELS)
  .describe("aligned/watch/drifted by thresholds; unknown when there is no dominant constraint or no planned effort.");
export type DriftLevel = z.infer<typeof DriftLevelSchema>;

export const EFFORT_BASES = ["estimate", "count", "mixed"] as const;
export const EffortBasisSchema = z
  .enum(EFFORT_BASES)
  .describe("estimate: every planned issue had an estimate; count: none had, each counts 1; mixed: missing = median of known.");
export type EffortBasis = z.infer<typeof EffortBasisSchema>;

export const IssueRefSchema = z
  .object({
    key: z.string().describe("Tracker key, e.g. ENG-123 or owner/repo#12."),
    title: z.string().describe("Issue title as in the tracker (untrusted text)."),
    url: z.string().nullable().describe("Link to the issue in the tracker."),
    tracker: TrackerSchema,
  })
  .describe("A pointer to one tracker issue.");
export type IssueRef = z.infer<typeof IssueRefSchema>;

export const ScoreValuesSchema = z
  .object({
    impact: z.number().int().min(1).max(5),
    evidence: z.number().int().min(1).max(5),
    confidence: z.number().int().min(1).max(5),
    timing: z.number().int().min(1).max(5),
  })
  .describe("Four-dimension scores, each 1–5.");

export const AuditRowSchema = IssueRefSchema.extend({
  constraint: ConstraintSchema.nullable().describe("Classified constraint; null = unclassified."),
  classificationConfidence: z.number().min(0).max(1).describe("Classifier confidence 0..1."),
  stateCategory: z.enum(STATE_CATEGORIES),
  priority: z.number().int().min(0).max(4).nullable().describe("0 none, 1 urgent, 2 high, 3 medium, 4 low."),
  planned: z.boolean().describe("Whether the issue counts as planned work."),
  estimate: z.number().nullable().describe("The tracker's estimate, if any."),
  effort: z.number().nullable().describe("Effort counted for planned work (see effort basis); null when not planned."),
  pressure: z.number().describe("This issue's weighted contribution to its constraint's evidence pressure."),
  scores: ScoreValuesSchema.nullable().describe("Four-dimension scores; null when the issue was not scored."),
  reasons: z.array(z.string()).describe("Plain-English reasons this issue is in this table."),
  explanation: z
    .object({
      classification: z.array(ReasonSchema).describe("Rules or model parts that decided the constraint."),
      scores: z.array(ScoreReasonSchema).describe("Signals that moved the scores."),
    })
    .describe("Why the issue got its constraint and scores."),
}).describe("One issue as it appears in a report table.");
export type AuditRow = z.infer<typeof AuditRowSchema>;

export const PRESSURE_KINDS = ["customer", "severity", "growth", "aging", "reopened", "carryOver", "delivery"] as const;
export type PressureKind = (typeof PRESSURE_KINDS)[number];

export const PressureBreakdownSchema = z
  .object({
    customer: z.number(),
    severity: z.number(),
    growth: z.number(),
    aging: z.number(),
    reopened: z.number(),
    carryOver: z.number(),
    delivery: z.number(),
  })
  .describe("Weighted, confidence-scaled pressure from each kind of evidence.");
export type PressureBreakdown = z.infer<typeof PressureBreakdownSchema>;

export const FlowEvidenceSchema = z
  .object({
    inflow: z.number().int().describe("Issues created in the window."),
    outflow: z.number().int().describe("Issues closed (done or canceled) in the window."),
    openAtStart: z.number().int().describe("Issues open when the window began."),
    growing: z.boolean().describe("Whether the open count grew over the window."),
    evidencedInflow: z.number().int().describe("Created in the window with customer or severity evidence."),
    evidencedOutflow: z.number().int().describe("Closed in the window with customer or severity evidence."),
    typicalCloseDays: z.number().nullable().describe("Median days from created to done for this constraint; null when nothing closed."),
    medianOpenAgeDays: z.number().nullable().describe("Median age of open work, in days."),
    agingOpen: z.number().int().describe("Evidenced open issues older than the usual time to close."),
    reopened: z.number().int().describe("Reopens among work open or closed in the window."),
    carriedOver: z.number().int().describe("Carries: iterations that closed with this work unfinished."),
    customerOpen: z.number().int().describe("Open issues with customer evidence."),
    customerInflowPerMonth: z.number().describe("Customer-evidenced issues created per 30 days in the window."),
    customerCloseDays: z.number().nullable().describe("Median days to close customer-evidenced work closed in the window."),
  })
  .describe("How this constraint's work flowed over the window.");
export type FlowEvidence = z.infer<typeof FlowEvidenceSchema>;

export const CustomerEvidenceSchema = z
  .object({
    requests: z.number().int().describe("Structured customer requests (Linear customer needs)."),
    customers: z.number().int().describe("Distinct customers behind those requests."),
    revenue: z.number().describe("Sum of the requesting customers' revenue."),
    supportLinks: z.number().int().describe("Links to support tools (Zendesk, Intercom, Front...)."),
    incidentLinks: z.number().int().describe("Links to error and incident tools (Sentry, PagerDuty...)."),
    votes: z.number().int().describe("Reactions (GitHub, Linear) or votes (Jira)."),
    watchers: z.number().int().describe("Watchers (Jira)."),
    duplicates: z.number().int().describe("Issues linked as duplicates."),
    keywordOnly: z.number().int().describe("Open issues whose only customer evidence is a word or label."),
  })
  .describe("Customer evidence on open work, from tracker structures first.");

export const ConstraintPressureSchema = z
  .object({
    constraint: ConstraintSchema,
    pressure: z.number().describe("Total evidence pressure."),
    share: z.number().min(0).max(1).describe("Share of all pressure, 0..1."),
    openCount: z.number().int().describe("Open issues classified to this constraint."),
    plannedCount: z.number().int().describe("Planned issues classified to this constraint."),
    plannedEffort: z.number().describe("Planned effort classified to this constraint."),
    quietOpen: z.number().int().describe("Open issues with no customer, severity or flow evidence (the wish list's share)."),
    breakdown: PressureBreakdownSchema,
    flow: FlowEvidenceSchema,
    customer: CustomerEvidenceSchema,
    summary: z.array(z.string()).describe("The evidence in plain words, strongest first."),
  })
  .describe("Evidence pressure and planned work for one constraint.");
export type ConstraintPressure = z.infer<typeof ConstraintPressureSchema>;

export const DiagnosisSchema = z
  .object({
    windowDays: z.number().int(),
    from: z.string().describe("Start of the flow window (ISO 8601)."),
    verdict: z
      .enum(["clear", "split", "thin", "none"])
      .describe("clear: one constraint leads; split: two are close; thin: too little evidence; none: nothing classified is open."),
    sentence: z.string().describe("The diagnosis in one or two sentences."),
    decidingEvidence: z.array(z.string()).describe("When not clear: the evidence that would decide."),
    byVolume: ConstraintSchema.nullable().describe("The constraint with the most weighted open issues: the old volume method, shown for contrast."),
    team: z
      .object({
        closedInWindow: z.number().int(),
        closedPriorWindow: z.number().int(),
        cycleTimeDays: z.number().nullable().describe("Median days from start (or creation) to done, in the window."),
        priorCycleTimeDays: z.number().nullable().describe("The same, in the window before."),
        carryOverRate: z.number().nullable().describe("Share of iteration work that was carried over; null without iterations."),
      })
      .describe("Delivery across all work: what the throughput diagnosis reads."),
    coverage: z
      .array(z.object({ tracker: TrackerSchema, issues: z.number().int(), missing: z.array(z.string()) }))
      .describe("Per tracker in the input: evidence its data could not give."),
  })
  .describe("How the bottleneck was diagnosed from flow and customer evidence.");
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

export const FollowUpSchema = z
  .object({
    constraint: ConstraintSchema.describe("The constraint the team chose (declared focus, or the bottleneck history shows)."),
    since: z.string().describe("When work on it began (ISO 8601)."),
    source: z.enum(["focus", "history"]).describe("Whether `since` came from the declared focus date or from audit history."),
    days: z.number().int().describe("Days since then."),
    shipped: z.number().int().describe("Issues on the constraint closed as done since then."),
    customerPerMonthBefore: z.number().describe("Customer-evidenced issues on the constraint created per 30 days in the 90 days before."),
    customerPerMonthAfter: z.number().describe("The same since then."),
    inflowPerMonthBefore: z.number(),
    inflowPerMonthAfter: z.number(),
    carriedBefore: z.number().int().describe("Carries among the constraint's work active in the 90 days before."),
    carriedAfter: z.number().int().describe("Carries among its work active since then."),
    stage: z.enum(["30", "60", "90"]).describe("Which check-in this is."),
    decision: z
      .enum(["measuring", "continue", "refine", "move-on"])
      .describe("At 90 days: continue, refine or move to the next bottleneck; before: measuring."),
    sentence: z.string().describe("e.g. shipped 12 items on reliability since 2026-08-01; customer-reported reliability issues went from 9 to 3 a month."),
    next: ConstraintSchema.nullable().describe("When moving on: the constraint the evidence points to next."),
  })
  .describe("The 30/60/90 loop: what happened to the chosen constraint's evidence after work on it shipped.");
export type FollowUp = z.infer<typeof FollowUpSchema>;

export const TableSchema = z.object({
  total: z.number().int().describe("How many issues qualify (rows may be capped)."),
  rows: z.array(AuditRowSchema).describe("The top rows, best first."),
});
export type AuditTable = z.infer<typeof TableSchema>;

export const RECOMMENDATION_KINDS = [
  "first-move",
  "cut-wish-list",
  "review-wish-list",
  "hold-the-line",
  "focus-disagrees",
  "add-missing",
  "triage-unclassified",
  "verify-priorities",
  "classify-more",
  "gather-evidence",
  "follow-up",
] as const;

export const RecommendationSchema = z
  .object({
    kind: z.enum(RECOMMENDATION_KINDS),
    title: z.string().describe("One-line advice."),
    text: z.string().describe("The advice in a few plain sentences."),
    steps: z
      .array(z.object({ days: z.string().describe("e.g. 1–30"), title: z.string(), text: z.string(), issues: z.array(IssueRefSchema) }))
      .describe("A 30/60/90 plan, for the first move; empty otherwise."),
    issues: z.array(IssueRefSchema).describe("Issues the advice is drawn from."),
  })
  .describe("One recommendation.");
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const TrendWindowSchema = z.object({
  days: z.number().int().describe("Window length: 30, 60 or 90 days back from now."),
  audits: z.number().int().describe("Earlier audits inside the window."),
  baselineAt: z.string().nullable().describe("Date of the oldest audit inside the window."),
  baselineDrift: z.number().nullable().describe("Drift of that oldest audit."),
  averageDrift: z.number().nullable().describe("Mean drift of audits in the window (current included)."),
  delta: z.number().nullable().describe("Current drift minus baseline drift."),
});

export const TrendSchema = z
  .object({
    previous: z
      .object({ at: z.string(), drift: z.number().nullable(), level: DriftLevelSchema, dominant: ConstraintSchema.nullable() })
      .nullable()
      .describe("The previous audit, if any."),
    driftDelta: z.number().nullable().describe("Current drift minus previous drift."),
    levelChange: z.enum(["first", "better", "same", "worse", "unknown"]).describe("Level change since the previous audit."),
    dominantChanged: z.boolean().describe("Whether the dominant constraint differs from the previous audit's."),
    since: z
      .object({ at: z.string(), level: DriftLevelSchema, from: DriftLevelSchema.nullable() })
      .nullable()
      .describe("When the current run at this (non-aligned) level began, and the level before it."),
    windows: z.array(TrendWindowSchema),
    sentence: z.string().describe("The trend in one sentence."),
  })
  .describe("How drift moved against history.");
export type Trend = z.infer<typeof TrendSchema>;

export const AuditReportSchema = z
  .object({
    version: z.literal(1),
    at: z.string().describe("When the audit ran (ISO 8601)."),
    headline: z.string().describe("One-sentence verdict."),
    settings: AuditSettingsSchema,
    totals: z
      .object({
        issues: z.number().int(),
        open: z.number().int(),
        classifiedOpen: z.number().int(),
        unclassifiedOpen: z.number().int(),
        planned: z.number().int(),
        scored: z.number().int().describe("Issues passed to the score function."),
      })
      .describe("Counts over the input."),
    dominant: z
      .object({
        constraint: ConstraintSchema.nullable().describe(
          "The inferred bottleneck; null when the evidence is thin or split (see `diagnosis.verdict`) or nothing classified is open.",
        ),
        share: z.number().describe("Winner's share of pressure, 0..1."),
        runnerUp: ConstraintSchema.nullable(),
        runnerUpShare: z.number(),
        margin: z.number().describe("Winner share minus runner-up share, 0..1 (0.12 = 12 share points)."),
        improveFirst: z.string().describe("What to improve first for the winner."),
        pressures: z.array(ConstraintPressureSchema).describe("Every constraint, highest pressure first."),
        evidence: z.array(AuditRowSchema).describe("Top issues behind the winner."),
      })
      .describe("The dominant constraint and its evidence."),
    diagnosis: DiagnosisSchema,
    followUp: FollowUpSchema.nullable().describe("The 30/60/90 follow-up; null until a focus date or history marks when work on the bottleneck began."),
    focus: z
      .object({
        declared: ConstraintSchema.nullable(),
        inferred: ConstraintSchema.nullable(),
        agrees: z.boolean().nullable().describe("null when no focus is declared or nothing is inferred."),
        message: z.string(),
      })
      .describe("Declared focus vs inferred dominant constraint."),
    planned: z
      .object({
        count: z.number().int(),
        effort: z.number(),
        basis: EffortBasisSchema,
        estimatedCount: z.number().int(),
        unestimatedCount: z.number().int(),
        fillValue: z.number().nullable().describe("Effort given to each unestimated issue under the mixed basis."),
        note: z.string().describe("The effort rule used, in words."),
      })
      .describe("Planned work and how its effort was counted."),
    drift: z
      .object({
        value: z.number().min(0).max(1).nullable().describe("Share of planned effort not on the dominant constraint."),
        level: DriftLevelSchema,
        onConstraintEffort: z.number(),
        offConstraintEffort: z.number(),
        unclassifiedEffort: z.number().describe("Planned effort with no constraint (counted as off-constraint)."),
        thresholds: z.object({ alignedMax: z.number(), watchMax: z.number() }),
      })
      .describe("Drift of the plan away from the dominant constraint."),
    trend: TrendSchema,
    wishList: TableSchema.describe("Planned, off-constraint work with weak evidence."),
    missingFromPlan: TableSchema.describe("Strong-evidence open work on the dominant constraint that is not planned."),
    flags: z
      .object({
        highPriorityWeakEvidence: TableSchema.describe("Urgent/high priority items whose evidence is weak."),
        unclassifiedPlanned: TableSchema.describe("Planned work with no constraint."),
      })
      .describe("Other things worth a look."),
    recommendations: z.array(RecommendationSchema).describe("3–5 pieces of advice, most important first."),
  })
  .describe("The full audit report.");
export type AuditReport = z.infer<typeof AuditReportSchema>;

export const ConstraintCountsSchema = z
  .object({
    activation: z.number().int(),
    adoption: z.number().int(),
    reliability: z.number().int(),
    operations: z.number().int(),
    throughput: z.number().int(),
    unclassified: z.number().int(),
  })
  .describe("Open issues per constraint.");

export const AuditSummarySchema = z
  .object({
    id: z.string().optional().describe("Storage id, when stored."),
    at: z.string().describe("When the audit ran (ISO 8601)."),
    dominant: ConstraintSchema.nullable(),
    runnerUp: ConstraintSchema.nullable(),
    margin: z.number().describe("Winner share minus runner-up share, 0..1."),
    drift: z.number().min(0).max(1).nullable().describe("Share of planned effort off the dominant constraint."),
    driftLevel: DriftLevelSchema,
    plannedEffort: z.number(),
    effortBasis: EffortBasisSchema,
    counts: ConstraintCountsSchema,
    wishListCount: z.number().int(),
    missingFromPlanCount: z.number().int(),
    verdict: z.enum(["clear", "split", "thin", "none"]).optional().describe("The diagnosis verdict (absent on audits before the flow diagnosis)."),
    followUp: z
      .object({ constraint: ConstraintSchema, days: z.number().int(), decision: z.enum(["measuring", "continue", "refine", "move-on"]), sentence: z.string() })
      .nullable()
      .optional()
      .describe("The 30/60/90 follow-up at this audit, if one was running."),
  })
  .describe("The compact per-run record kept in history.");
export type AuditSummary = z.infer<typeof AuditSummarySchema>;
