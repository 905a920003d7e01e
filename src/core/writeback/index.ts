/**
 * The write-back planner: pure code that decides exactly which labels and
 * comments to write, and never fights a person. The sync pipeline loads the
 * facts from D1 (ledger, overrides, classifications), calls `planWriteBack`,
 * executes the actions through the connectors (`ensureLabels`,
 * `ensureComment`) in `on` mode, and persists `planToLedgerRows(plan)` and
 * `plan.newOverrides`.
 *
 * @example
 * import { planWriteBack, toLabelChange, labelDefinitions, planToLedgerRows } from "../core/writeback";
 * const plan = planWriteBack({ issues: facts, settings, auditRunId, dominant, reportUrl });
 * for (const a of plan.actions) {
 *   const ref = { externalId: a.externalId, key: a.key, scope };
 *   if (a.kind === "labels") await connector.ensureLabels(auth, ref, toLabelChange(a, labelDefinitions(settings.labelPrefix)));
 *   else await connector.ensureComment(auth, ref, a.marker, a.body);
 * }
 */
export { planWriteBack, writesOf, type PlanWriteBackInput } from "./plan";
export { planUndo, type CurrentIssueState, type UndoPlan } from "./undo";
export { summarizePlan, planToDiffRows, countPlan } from "./summary";
export {
  COMMENT_MARKER_PREFIX,
  commentMarker,
  renderComment,
  neutralize,
  safeUrl,
  type CommentContext,
  QUOTE_MAX,
  REASONS_MAX,
  BODY_MAX,
} from "./comment";
export { hashBody } from "./hash";
export { inNamespace, constraintLabel, labelDefinitions, toLabelChange, decideLabels, OVERRIDE_REASON } from "./labels";
export {
  LEDGER_ACTIONS,
  LedgerEntrySchema,
  CommentValueSchema,
  encodeCommentValue,
  decodeCommentValue,
  planToLedgerRows,
  type LedgerEntry,
  type LedgerAction,
  type LedgerDraft,
  type CommentValue,
} from "./ledger";
export * from "./schema";
