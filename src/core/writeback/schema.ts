/**
 * Zod schemas for the write-back planner's JSON-facing types: the settings,
 * the per-issue facts loaded from D1, and the plan handed to the executor and
 * shown in the dry-run diff. Every field carries a `.describe()` so the API's
 * OpenAPI document can be generated from them.
 */
import { z } from "zod";
import { ClassificationSchema, ConstraintSchema, IssueSchema, ScoresSchema } from "../../../domain/types";

export const WRITE_MODES = ["off", "dry-run", "on"] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

export const WritebackSettingsSchema = z
  .object({
    labelPrefix: z
      .string()
      .min(1)
      .max(40)
      .describe('Our label namespace, e.g. "constraint:". Only labels starting with it (case-insensitive) are ever touched.'),
    commentsEnabled: z.boolean().describe("Whether we keep one explanatory bot comment per labelled issue."),
    maxWrites: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .describe("Cap on write operations per run: a label add/remove counts 1, a comment create/update/delete counts 1."),
    writeBackThreshold: z.number().min(0).max(1).describe("Only issues whose verdict confidence is at least this get our label and comment."),
    mode: z.enum(WRITE_MODES).describe("off: plan nothing; dry-run and on: the same plan (the executor decides whether to call the tracker)."),
  })
  .describe("How write-back behaves for one connection.");
export type WritebackSettings = z.infer<typeof WritebackSettingsSchema>;

export const CommentFactSchema = z
  .object({
    id: z.string().nullable().describe("The tracker's comment id, when the ledger knows it."),
    bodyHash: z.string().describe("`hashBody` of the body as we last wrote it."),
    body: z.string().optional().describe("The body as we last wrote it, when the ledger kept it (lets undo restore it)."),
  })
  .describe("Our bot comment on the issue, as we last wrote it.");

export const IssueFactsSchema = z
  .object({
    issue: IssueSchema.describe("Current snapshot; its labels are the tracker's current labels."),
    classification: ClassificationSchema,
    scores: ScoresSchema,
    appliedByUs: z.array(z.string()).describe("Labels in our namespace that the ledger says we applied and have not removed since (this issue)."),
    overrides: z.array(z.string()).describe("Labels a person removed after we applied them: never re-added (label_overrides)."),
    comment: CommentFactSchema.nullable().describe("Our bot comment as we last wrote it (ledger), or null."),
  })
  .describe("Everything the planner needs to know about one issue.");
export type IssueFacts = z.infer<typeof IssueFactsSchema>;

const ActionBase = {
  externalId: z.string().describe("The tracker's stable issue id."),
  key: z.string().describe("The human issue key (ENG-12, owner/repo#3)."),
  ruleId: z.string().describe('The rule that decided (top reason of the verdict), or "label"/"model"; "undo" for undo actions.'),
  reason: z.string().describe("One human sentence saying why."),
};

export const LabelActionSchema = z
  .object({
    kind: z.literal("labels"),
    ...ActionBase,
    add: z.array(z.string()).describe("Labels this action adds."),
    remove: z.array(z.string()).describe("Labels this action removes (only ones we applied)."),
    desired: z.array(z.string()).describe("Our labels that must be present afterwards: pass as `LabelChange.desired` (see `toLabelChange`)."),
    before: z.array(z.string()).describe("The issue's labels in our namespace before."),
    after: z.array(z.string()).describe("The issue's labels in our namespace after."),
  })
  .describe("Converge the issue's labels in our namespace.");
export type LabelAction = z.infer<typeof LabelActionSchema>;

export const COMMENT_OPS = ["create", "update", "delete"] as const;

export const CommentActionSchema = z
  .object({
    kind: z.literal("comment"),
    ...ActionBase,
    op: z.enum(COMMENT_OPS),
    marker: z.string().describe("Pass to `ensureComment` as `marker`."),
    body: z.string().nullable().describe("Pass to `ensureComment` as `body` (null deletes)."),
    bodyHash: z.string().describe('`hashBody(body)`, or "" when deleting: store it in the ledger as the comment\'s hash.'),
    before: z.string().nullable().describe("Hash of our comment before, or null when there was none."),
    after: z.string().nullable().describe("Hash of our comment after, or null when deleted."),
    beforeBody: z.string().optional().describe("Our previous body, when the facts carried it: kept in the ledger's before_value so undo can restore it."),
  })
  .describe("Create, update or delete our one bot comment on the issue.");
export type CommentAction = z.infer<typeof CommentActionSchema>;

export const PlannedActionSchema = z.discriminatedUnion("kind", [LabelActionSchema, CommentActionSchema]);
export type PlannedAction = z.infer<typeof PlannedActionSchema>;

export const NewOverrideSchema = z.object({
  externalId: z.string(),
  key: z.string(),
  label: z.string(),
  reason: z.string(),
});
export type NewOverride = z.infer<typeof NewOverrideSchema>;

export const SkippedSchema = z.object({
  externalId: z.string(),
  key: z.string(),
  reason: z.string(),
});
export type Skipped = z.infer<typeof SkippedSchema>;

export const PlanCountsSchema = z
  .object({
    issues: z.number().int().describe("Issues considered."),
    actions: z.number().int().describe("Actions in the plan (after the cap)."),
    writes: z.number().int().describe("Write operations in the plan (after the cap)."),
    labelAdds: z.number().int(),
    labelRemoves: z.number().int(),
    commentCreates: z.number().int(),
    commentUpdates: z.number().int(),
    commentDeletes: z.number().int(),
    capped: z.number().int().describe("Actions left out by the cap."),
    cappedWrites: z.number().int().describe("Write operations left out by the cap."),
    newOverrides: z.number().int(),
    skipped: z.number().int(),
  })
  .describe("Counts by kind and op, for the UI and the API.");
export type PlanCounts = z.infer<typeof PlanCountsSchema>;

export const WritebackPlanSchema = z
  .object({
    actions: z.array(PlannedActionSchema).describe("In execution order: the most valuable first."),
    newOverrides: z.array(NewOverrideSchema).describe("Labels a person removed since we applied them: record in label_overrides."),
    skipped: z.array(SkippedSchema).describe("Issues or writes we deliberately left alone, with why."),
    capped: z.number().int().describe("Actions left out by the write cap."),
    counts: PlanCountsSchema,
  })
  .describe("What write-back will do (or would do, in dry-run).");
export type WritebackPlan = z.infer<typeof WritebackPlanSchema>;

export const DiffRowSchema = z.object({
  externalId: z.string(),
  key: z.string(),
  change: z.string().describe('"+ constraint:reliability", "- constraint:adoption", "comment: create"...'),
  reason: z.string(),
  ruleId: z.string(),
});
export type DiffRow = z.infer<typeof DiffRowSchema>;

export const PlanInputSchema = z.object({
  issues: z.array(IssueFactsSchema),
  settings: WritebackSettingsSchema,
  auditRunId: z.string().nullable(),
  dominant: ConstraintSchema.nullable(),
  reportUrl: z.string().optional(),
});
