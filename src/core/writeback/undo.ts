/**
 * `planUndo`: revert exactly what one write-back run wrote, from its ledger
 * rows, unless a person has changed the thing since. Pure.
 */
import { hashBody } from "./hash";
import { decodeCommentValue, type LedgerEntry } from "./ledger";
import type { CommentAction, LabelAction, PlannedAction, Skipped } from "./schema";

export interface CurrentIssueState {
  /** The issue's labels now. */
  labels: string[];
  /** Hash of our comment now (by our marker), or null when there is none. */
  commentBodyHash: string | null;
}

export interface UndoPlan {
  actions: PlannedAction[];
  skipped: Skipped[];
}

const lower = (s: string) => s.toLowerCase();
const has = (list: readonly string[], l: string) => list.some((x) => lower(x) === lower(l));
const UNDO = "undo";

/**
 * Plan the undo of one run. Only `outcome == "applied"` rows count (planned,
 * failed and skipped rows wrote nothing; `human_override` rows are
 * observations). Per row:
 *
 * - `label_add L`: remove L, unless L is already gone (a person removed it);
 * - `label_remove L`: re-add L, unless L is present again (a person re-added it);
 * - `comment_create`: delete our comment, unless its current hash differs from what we wrote;
 * - `comment_update`: restore the previous body if the ledger kept it in `before_value`
 *   and the comment is still what we wrote; otherwise skipped;
 * - `comment_delete`: re-create the previous body if kept and no comment of ours exists now.
 *
 * Label actions' `before`/`after` hold the issue's full label list (undo does
 * not know the namespace; `desired` and `remove` are what matter).
 *
 * @example
 * const entries = (await ledgerForRun(db, runId)).map((r) => LedgerEntrySchema.parse(r));
 * const { actions, skipped } = planUndo(entries, new Map([[id, { labels, commentBodyHash }]]));
 */
export function planUndo(entries: LedgerEntry[], current: Map<string, CurrentIssueState>): UndoPlan {
  const byIssue = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.outcome !== "applied" || e.action === "human_override") continue;
    const list = byIssue.get(e.externalId) ?? [];
    list.push(e);
    byIssue.set(e.externalId, list);
  }
  const issues = [...byIssue.entries()].sort(([ia, a], [ib, b]) => {
    const ka = a[0]!.issueKey;
    const kb = b[0]!.issueKey;
    return ka < kb ? -1 : ka > kb ? 1 : ia < ib ? -1 : ia > ib ? 1 : 0;
  });

  const actions: PlannedAction[] = [];
  const skipped: Skipped[] = [];
  for (const [externalId, rows] of issues) {
    const key = rows[0]!.issueKey;
    const skip = (reason: string) => skipped.push({ externalId, key, reason });
    const now = current.get(externalId);
    if (!now) {
      for (const r of rows) skip(`${r.action} ${r.target}: the issue is no longer in the tracker`);
      continue;
    }

    const add: string[] = [];
    const remove: string[] = [];
    for (const r of rows) {
      if (r.action === "label_add") {
        if (!has(now.labels, r.target)) skip(`${r.target} was removed by someone since we added it`);
        else if (!has(remove, r.target)) remove.push(r.target);
      } else if (r.action === "label_remove") {
        if (has(now.labels, r.target)) skip(`${r.target} was re-added by someone since we removed it`);
        else if (!has(add, r.target)) add.push(r.target);
      }
    }
    if (add.length || remove.length) {
      const after = [...now.labels.filter((l) => !has(remove, l)), ...add];
      const parts = [...remove.map((l) => `remove ${l} we added`), ...add.map((l) => `re-add ${l} we removed`)];
      const action: LabelAction = {
        kind: "labels",
        externalId,
        key,
        ruleId: UNDO,
        reason: `undo: ${parts.join(", ")}`,
        add,
        remove,
        desired: [...add],
        before: [...now.labels],
        after,
      };
      actions.push(action);
    }

    for (const r of rows) {
      const a = undoComment(r, now.commentBodyHash, skip);
      if (a) actions.push(a);
    }
  }
  return { actions, skipped };
}

function undoComment(r: LedgerEntry, currentHash: string | null, skip: (reason: string) => void): CommentAction | null {
  if (r.action !== "comment_create" && r.action !== "comment_update" && r.action !== "comment_delete") return null;
  const before = decodeCommentValue(r.beforeValue);
  const after = decodeCommentValue(r.afterValue);
  const base = { kind: "comment" as const, externalId: r.externalId, key: r.issueKey, ruleId: UNDO, marker: r.target };

  if (r.action === "comment_delete") {
    if (currentHash !== null) {
      skip("our comment exists again since we deleted it");
      return null;
    }
    if (before?.body === undefined) {
      skip("cannot restore the deleted comment: the ledger did not keep its text");
      return null;
    }
    const bodyHash = hashBody(before.body);
    return { ...base, op: "create", body: before.body, bodyHash, before: null, after: bodyHash, reason: "undo: restore the comment we deleted" };
  }

  if (!after || currentHash !== after.hash) {
    skip(currentHash === null ? "our comment was deleted by someone since" : "our comment was changed since we wrote it");
    return null;
  }
  if (r.action === "comment_create") {
    return { ...base, op: "delete", body: null, bodyHash: "", before: after.hash, after: null, reason: "undo: delete the comment we created" };
  }
  if (before?.body === undefined) {
    skip("cannot restore the previous comment: the ledger did not keep its text");
    return null;
  }
  const bodyHash = hashBody(before.body);
  return { ...base, op: "update", body: before.body, bodyHash, before: after.hash, after: bodyHash, reason: "undo: restore the previous comment" };
}
