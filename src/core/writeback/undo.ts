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
  /**
   * Ledger ids of an earlier, interrupted undo's rows (still `planned`) whose change the current
   * state already shows: that write landed before the interruption, so the row is `applied`, not redone.
   */
  landed: string[];
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
 * An undo may be retried after it stopped (rate limit, revoked grant, crash): rows of the
 * earlier attempt (rule `undo`, same run) are never undone themselves; a row whose undo is
 * `applied` is not reverted again; one whose undo is still `planned` is reverted again unless
 * the current state already shows it reverted (then that planned row is in `landed`).
 *
 * @example
 * const entries = (await ledgerForRun(db, runId)).map((r) => LedgerEntrySchema.parse(r));
 * const { actions, skipped } = planUndo(entries, new Map([[id, { labels, commentBodyHash }]]));
 */
export function planUndo(entries: LedgerEntry[], current: Map<string, CurrentIssueState>): UndoPlan {
  // Rows an earlier undo of this run wrote (rule "undo"): an applied one means its original is
  // already reverted (never reverted twice); a planned one was interrupted, and the current state
  // says whether its write landed.
  const reverted = new Set<string>();
  const interrupted = new Map<string, string[]>();
  for (const e of entries) {
    if (e.ruleId !== UNDO || e.action === "human_override") continue;
    if (e.outcome === "applied") reverted.add(subjectOf(e));
    else if (e.outcome === "planned") interrupted.set(subjectOf(e), [...(interrupted.get(subjectOf(e)) ?? []), e.id]);
  }
  const landed: string[] = [];
  const byIssue = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.outcome !== "applied" || e.action === "human_override" || e.ruleId === UNDO || reverted.has(subjectOf(e))) continue;
    const inFlight = interrupted.get(subjectOf(e));
    if (inFlight && alreadyReverted(e, current.get(e.externalId))) {
      landed.push(...inFlight);
      continue;
    }
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
  return { actions, skipped, landed };
}

/** What a row is about: the issue and the label (or comment marker); an undo row shares its original's. */
function subjectOf(e: LedgerEntry): string {
  return `${e.externalId}\u0000${e.action.startsWith("label") ? "label" : "comment"}\u0000${lower(e.target)}`;
}

/** Whether the current state already shows this row reverted (an interrupted undo's write landed). */
function alreadyReverted(r: LedgerEntry, now: CurrentIssueState | undefined): boolean {
  if (!now) return false;
  if (r.action === "label_add") return !has(now.labels, r.target);
  if (r.action === "label_remove") return has(now.labels, r.target);
  if (r.action === "comment_create") return now.commentBodyHash === null;
  const before = decodeCommentValue(r.beforeValue);
  return before?.body !== undefined && now.commentBodyHash === hashBody(before.body);
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
