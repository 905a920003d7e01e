/**
 * The ledger's row shape (`writeback_ledger`, camelCased) and how a plan maps
 * onto it, so storage and undo agree on what `target`, `before_value` and
 * `after_value` hold:
 *
 * | action           | target       | before_value                  | after_value             |
 * |------------------|--------------|-------------------------------|-------------------------|
 * | label_add        | the label    | null                          | the label               |
 * | label_remove     | the label    | the label                     | null                    |
 * | comment_create   | the marker   | null                          | `{"hash","body"}` JSON  |
 * | comment_update   | the marker   | `{"hash","body"?}` JSON       | `{"hash","body"}` JSON  |
 * | comment_delete   | the marker   | `{"hash","body"?}` JSON       | null                    |
 * | human_override   | the label    | the label                     | null                    |
 *
 * Pure.
 */
import { z } from "zod";
import type { NewOverride, PlannedAction } from "./schema";

export const LEDGER_ACTIONS = ["label_add", "label_remove", "comment_create", "comment_update", "comment_delete", "human_override"] as const;
export type LedgerAction = (typeof LEDGER_ACTIONS)[number];

export const LedgerEntrySchema = z
  .object({
    id: z.string(),
    workspaceId: z.string(),
    connectionId: z.string(),
    runId: z.string().nullable(),
    auditRunId: z.string().nullable(),
    issueId: z.string().nullable(),
    externalId: z.string(),
    issueKey: z.string(),
    action: z.enum(LEDGER_ACTIONS),
    target: z.string().describe("The label name, or the comment marker."),
    beforeValue: z.string().nullable(),
    afterValue: z.string().nullable(),
    ruleId: z.string().nullable(),
    reason: z.string(),
    mode: z.enum(["dry-run", "on", "observed"]),
    outcome: z.enum(["planned", "applied", "failed", "skipped", "reverted", "recorded"]),
    trackerResponseId: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
  })
  .describe("One row of writeback_ledger.");
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** The content fields of a ledger row; the caller adds ids, run, mode, outcome and time. */
export type LedgerDraft = Pick<LedgerEntry, "externalId" | "issueKey" | "action" | "target" | "beforeValue" | "afterValue" | "ruleId" | "reason">;

export const CommentValueSchema = z.object({ hash: z.string(), body: z.string().optional() });
export type CommentValue = z.infer<typeof CommentValueSchema>;

/** Encode a comment's before/after value for the ledger. */
export function encodeCommentValue(v: CommentValue): string {
  return JSON.stringify(v.body === undefined ? { hash: v.hash } : { hash: v.hash, body: v.body });
}

/** Decode a comment value; a bare non-JSON string is read as just the hash. */
export function decodeCommentValue(raw: string | null): CommentValue | null {
  if (raw === null || raw === "") return null;
  try {
    const r = CommentValueSchema.safeParse(JSON.parse(raw));
    if (r.success) return r.data;
  } catch {
    // not JSON: a bare hash
  }
  return { hash: raw };
}

/**
 * One ledger row per write in the plan (a labels action gives one row per
 * label), plus one `human_override` row per new override.
 *
 * @example
 * for (const d of planToLedgerRows(plan)) await insertLedger(db, { ...d, runId, mode: "dry-run", outcome: "planned" });
 */
export function planToLedgerRows(plan: { actions: PlannedAction[]; newOverrides?: NewOverride[] }): LedgerDraft[] {
  const rows: LedgerDraft[] = [];
  for (const a of plan.actions) {
    const base = { externalId: a.externalId, issueKey: a.key, ruleId: a.ruleId, reason: a.reason };
    if (a.kind === "labels") {
      for (const l of a.remove) rows.push({ ...base, action: "label_remove", target: l, beforeValue: l, afterValue: null });
      for (const l of a.add) rows.push({ ...base, action: "label_add", target: l, beforeValue: null, afterValue: l });
      continue;
    }
    const before = a.before === null ? null : encodeCommentValue({ hash: a.before, body: a.beforeBody });
    const after = a.body === null ? null : encodeCommentValue({ hash: a.bodyHash, body: a.body });
    rows.push({ ...base, action: `comment_${a.op}`, target: a.marker, beforeValue: before, afterValue: after });
  }
  for (const o of plan.newOverrides ?? []) {
    rows.push({
      externalId: o.externalId,
      issueKey: o.key,
      action: "human_override",
      target: o.label,
      beforeValue: o.label,
      afterValue: null,
      ruleId: null,
      reason: o.reason,
    });
  }
  return rows;
}
