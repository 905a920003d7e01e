/**
 * The domain types every part of Backlog Auditor shares: the normalized issue
 * that connectors produce, the verdicts the rules engine gives, and the scores.
 *
 * This module is pure: no I/O, no Workers APIs. It is imported by the Worker,
 * the CLI (on Node), the connectors and the tests.
 */
import { z } from "zod";

/** The five constraints a scale-stage team can be bottlenecked on. */
export const CONSTRAINTS = ["activation", "adoption", "reliability", "operations", "throughput"] as const;
export type Constraint = (typeof CONSTRAINTS)[number];
export const ConstraintSchema = z.enum(CONSTRAINTS);

export const TRACKERS = ["github", "linear", "jira"] as const;
export type Tracker = (typeof TRACKERS)[number];
export const TrackerSchema = z.enum(TRACKERS);

/** Normalized workflow state, shared across trackers. */
export const STATE_CATEGORIES = ["backlog", "todo", "in_progress", "done", "canceled"] as const;
export type StateCategory = (typeof STATE_CATEGORIES)[number];

/**
 * A planning iteration the issue belongs to: a Linear cycle, a Jira sprint or a
 * GitHub milestone. `state` says whether it is the current one.
 */
export const IterationSchema = z.object({
  kind: z.enum(["cycle", "sprint", "milestone"]),
  id: z.string(),
  name: z.string(),
  /** active = current cycle/open sprint/open milestone; next = the upcoming cycle; future = later; closed = past. */
  state: z.enum(["active", "next", "future", "closed"]),
  startsAt: z.string().nullable().optional(),
  endsAt: z.string().nullable().optional(),
});
export type Iteration = z.infer<typeof IterationSchema>;

/**
 * One customer asking for the issue: a Linear customer need (with the customer's
 * revenue, size and tier), or a customer named in an export. Revenue is annual,
 * in the workspace's currency; size is the customer's seat or employee count.
 */
export const CustomerRequestSchema = z.object({
  customer: z.string().nullable().default(null),
  revenue: z.number().nonnegative().nullable().default(null),
  size: z.number().nonnegative().nullable().default(null),
  tier: z.string().nullable().default(null),
  /** Linear's `priority` on a customer need: 1 = important to this customer. */
  important: z.boolean().default(false),
  createdAt: z.string().nullable().default(null),
});
export type CustomerRequest = z.infer<typeof CustomerRequestSchema>;

/** A link attached to an issue (attachment or remote link): support tickets, incidents, error reports. */
export const IssueLinkSchema = z.object({
  url: z.string(),
  title: z.string().nullable().default(null),
});
export type IssueLink = z.infer<typeof IssueLinkSchema>;

export const CustomFieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/**
 * The one issue shape every connector normalizes into at its boundary.
 *
 * Priority uses Linear's scale for every tracker: 0 = none, 1 = urgent,
 * 2 = high, 3 = medium/normal, 4 = low.
 *
 * @example
 * const issue: Issue = IssueSchema.parse({
 *   tracker: "github", externalId: "1347", key: "octocat/hello#1347",
 *   url: "https://github.com/octocat/hello/issues/1347", title: "Crash on save",
 *   body: "", labels: ["bug"], state: "open", stateCategory: "todo",
 *   createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-02T00:00:00Z",
 * });
 */
export const IssueSchema = z.object({
  tracker: TrackerSchema,
  /** Stable tracker id (GitHub issue id, Linear uuid, Jira numeric id). */
  externalId: z.string().min(1),
  /** Human key: `owner/repo#12`, `ENG-123`, `PROJ-45`. */
  key: z.string().min(1),
  url: z.string().nullable().default(null),
  title: z.string(),
  body: z.string().default(""),
  labels: z.array(z.string()).default([]),
  /** Issue type: GitHub issue type, Jira issuetype name; null where the tracker has none. */
  type: z.string().nullable().default(null),
  components: z.array(z.string()).default([]),
  /** The tracker's own state name ("open", "In Progress", "Todo"...). */
  state: z.string().default("open"),
  stateCategory: z.enum(STATE_CATEGORIES).default("todo"),
  priority: z.number().int().min(0).max(4).nullable().default(null),
  priorityName: z.string().nullable().default(null),
  /** Estimate or story points; null when the tracker has none for this issue. */
  estimate: z.number().nonnegative().nullable().default(null),
  iteration: IterationSchema.nullable().default(null),
  /** Repository full name, Linear team key, or Jira project key. */
  project: z.string().nullable().default(null),
  assignees: z.array(z.string()).default([]),
  /** Reactions (GitHub, Linear) or votes (Jira). */
  reactions: z.number().int().nonnegative().default(0),
  commentCount: z.number().int().nonnegative().default(0),
  /** Number of issues linked as duplicates of this one, where known. */
  duplicateCount: z.number().int().nonnegative().default(0),
  /** Tracker-specific custom fields by display name. */
  customFields: z.record(z.string(), CustomFieldValueSchema).default({}),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable().default(null),
  // ---- flow and customer evidence: optional, so stored rows, exports and connectors that lack them still parse (absent = unknown/none).
  /** When work started (first moved to an in-progress state), where known: the start of cycle time. */
  startedAt: z.string().nullable().optional(),
  /** How many times the issue was reopened after being done (state history, where the tracker gives it). */
  reopenedCount: z.number().int().nonnegative().optional(),
  /** How many iterations (sprint, cycle, milestone) closed with this issue planned in them but not done. */
  carriedOver: z.number().int().nonnegative().optional(),
  /** Watchers (Jira `watches.watchCount`); 0 where the tracker has none. */
  watchers: z.number().int().nonnegative().optional(),
  /** Structured customer requests: Linear `customerNeeds`, or a customer named on a Jira/CSV row. */
  customerRequests: z.array(CustomerRequestSchema).optional(),
  /** Links attached to the issue (support tickets, incidents), where the source gives them: our JSONL today; Linear attachments and Jira remote links are not synced yet. Bodies are scanned separately. */
  links: z.array(IssueLinkSchema).optional(),
});
export type Issue = z.infer<typeof IssueSchema>;
export type IssueInput = z.input<typeof IssueSchema>;

/** One piece of an explanation: which rule or model part fired, on what text. */
export const ReasonSchema = z.object({
  /** Rule id, `model`, `label:<name>` for a human-applied constraint label, `review:<answer>` for a review answer, or `workspace-model`. */
  ruleId: z.string(),
  source: z.enum(["rule", "model", "label", "workspace-model"]),
  constraint: ConstraintSchema.nullable(),
  weight: z.number(),
  /** The fact tested: `title`, `body`, `section:Steps to reproduce`, `labels`, `priority`... */
  field: z.string(),
  /** The matched text (or value) as it appears in the field. */
  match: z.string(),
  /** [start, end) offsets into the field's (cleaned) text, when it is text. */
  span: z.tuple([z.number().int(), z.number().int()]).optional(),
});
export type Reason = z.infer<typeof ReasonSchema>;

export const ClassificationSchema = z.object({
  /** null = abstain: no constraint, or not sure enough to say. */
  constraint: ConstraintSchema.nullable(),
  confidence: z.number().min(0).max(1),
  runnerUp: z.object({ constraint: ConstraintSchema, confidence: z.number().min(0).max(1) }).nullable(),
  /** Which part decided: rules that fired, the learned model, a human label (or review answer), this workspace's own model, or nothing. */
  decidedBy: z.enum(["rules", "model", "label", "workspace-model", "none"]),
  reasons: z.array(ReasonSchema),
});
export type Classification = z.infer<typeof ClassificationSchema>;

export const SCORE_DIMENSIONS = ["impact", "evidence", "confidence", "timing"] as const;
export type ScoreDimension = (typeof SCORE_DIMENSIONS)[number];

export const ScoreReasonSchema = z.object({
  dimension: z.enum(SCORE_DIMENSIONS),
  signal: z.string(),
  delta: z.number(),
  match: z.string().optional(),
});
export type ScoreReason = z.infer<typeof ScoreReasonSchema>;

const Score = z.number().int().min(1).max(5);
/** Four-dimension score, each an integer 1–5, with the inputs that moved it. */
export const ScoresSchema = z.object({
  impact: Score,
  evidence: Score,
  confidence: Score,
  timing: Score,
  reasons: z.array(ScoreReasonSchema),
});
export type Scores = z.infer<typeof ScoresSchema>;
