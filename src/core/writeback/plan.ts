/**
 * `planWriteBack`: from facts loaded from D1 to the exact labels and comments
 * to write, in value order, under the write cap. Pure and deterministic.
 */
import type { Constraint } from "../../../domain/types";
import { commentMarker, renderComment, topReasons } from "./comment";
import { hashBody } from "./hash";
import { decideLabels, type LabelDecision } from "./labels";
import type { CommentAction, IssueFacts, LabelAction, NewOverride, PlannedAction, Skipped, WritebackPlan, WritebackSettings } from "./schema";
import { countPlan } from "./summary";

export interface PlanWriteBackInput {
  issues: IssueFacts[];
  settings: WritebackSettings;
  /** The audit run the verdicts come from (kept for the ledger; never rendered, so it does not change the comment hash). */
  auditRunId: string | null;
  dominant: Constraint | null;
  reportUrl?: string;
}

/** Write operations an action costs: one per label added or removed, one per comment op. */
export function writesOf(a: PlannedAction): number {
  return a.kind === "labels" ? a.add.length + a.remove.length : 1;
}

/** The decisive rule: the top reason supporting the verdict, else "label"/"model". */
function ruleIdOf(f: IssueFacts): string {
  const c = f.classification;
  const top = c.constraint ? topReasons(c.reasons, c.constraint)[0] : undefined;
  if (top) return top.ruleId;
  return c.decidedBy === "model" ? "model" : c.decidedBy === "workspace-model" ? "workspace-model" : "label";
}

const conf = (x: number) => x.toFixed(2);

function labelReason(f: IssueFacts, d: LabelDecision, add: string[], remove: string[], threshold: number): string {
  const c = f.classification;
  if (add.length && remove.length) return `verdict changed: ${remove.join(", ")} → ${add.join(", ")} (confidence ${conf(c.confidence)})`;
  if (add.length) return `verdict ${c.constraint} at confidence ${conf(c.confidence)} (threshold ${conf(threshold)})`;
  if (d.wanted === null) {
    return c.constraint === null
      ? "no verdict any more: removing the label we applied"
      : `confidence ${conf(c.confidence)} is below the threshold ${conf(threshold)}: removing the label we applied`;
  }
  return d.overridden
    ? `verdict is now ${c.constraint}, which a person overruled: removing our other label`
    : `verdict is now ${c.constraint}: removing our other label`;
}

interface Ranked {
  action: PlannedAction;
  tier: number;
  f: IssueFacts;
}

/**
 * Value order: label changes that add the dominant constraint, then other
 * label changes, then comment creates/updates, then comment deletes. Within a
 * tier: higher impact, then higher confidence, then key and id (stable).
 */
function compareRanked(a: Ranked, b: Ranked): number {
  return (
    a.tier - b.tier ||
    b.f.scores.impact - a.f.scores.impact ||
    b.f.classification.confidence - a.f.classification.confidence ||
    (a.action.key < b.action.key ? -1 : a.action.key > b.action.key ? 1 : 0) ||
    (a.action.externalId < b.action.externalId ? -1 : a.action.externalId > b.action.externalId ? 1 : 0)
  );
}

function planIssue(f: IssueFacts, input: PlanWriteBackInput, out: { ranked: Ranked[]; newOverrides: NewOverride[]; skipped: Skipped[] }) {
  const { settings, dominant } = input;
  const { externalId, key } = f.issue;
  const d = decideLabels(f, settings.labelPrefix, settings.writeBackThreshold);
  out.newOverrides.push(...d.newOverrides);
  for (const reason of d.skipped) out.skipped.push({ externalId, key, reason });
  const ruleId = ruleIdOf(f);

  if (d.change) {
    const dominantLabel = dominant ? `${settings.labelPrefix}${dominant}`.toLowerCase() : null;
    const addsDominant = dominantLabel !== null && d.change.add.some((l) => l.toLowerCase() === dominantLabel);
    const action: LabelAction = {
      kind: "labels",
      externalId,
      key,
      ruleId,
      reason: labelReason(f, d, d.change.add, d.change.remove, settings.writeBackThreshold),
      ...d.change,
    };
    out.ranked.push({ action, tier: addsDominant ? 0 : 1, f });
  }

  // The comment explains our verdict; there is none to explain when the verdict
  // is below the threshold, a person overruled it (removed our label), or a
  // person's label says something else.
  const c = f.classification;
  const humanDisagrees = d.humanLabel !== null && d.humanLabel.slice(settings.labelPrefix.length).toLowerCase() !== c.constraint;
  const verdict = d.wanted !== null && !d.overridden && !humanDisagrees;
  const body = settings.commentsEnabled && verdict ? renderComment(f, { dominant, reportUrl: input.reportUrl }) : null;
  const marker = commentMarker(f.issue);
  const base = { kind: "comment" as const, externalId, key, ruleId, marker };
  let action: CommentAction | null = null;
  if (body !== null) {
    const bodyHash = hashBody(body);
    if (f.comment === null) {
      action = { ...base, op: "create", body, bodyHash, before: null, after: bodyHash, reason: `explain the verdict ${c.constraint} and its scores` };
    } else if (f.comment.bodyHash !== bodyHash) {
      action = { ...base, op: "update", body, bodyHash, before: f.comment.bodyHash, after: bodyHash, reason: "the verdict or its scores changed" };
      if (f.comment.body !== undefined) action.beforeBody = f.comment.body;
    }
  } else if (f.comment !== null) {
    const why = !settings.commentsEnabled
      ? "comments are disabled"
      : humanDisagrees
        ? `a person's label ${d.humanLabel} is the verdict`
        : d.overridden
          ? "a person removed our label"
          : "the issue no longer has a verdict at or above the threshold";
    action = { ...base, op: "delete", body: null, bodyHash: "", before: f.comment.bodyHash, after: null, reason: `${why}: removing our comment` };
    if (f.comment.body !== undefined) action.beforeBody = f.comment.body;
  }
  if (action) out.ranked.push({ action, tier: action.op === "delete" ? 3 : 2, f });
}

/**
 * Plan write-back for a batch of issues.
 *
 * - `off`: no actions; every issue is skipped with "write-back is off".
 *   Human overrides are still reported in `newOverrides` (an observation,
 *   not a write), so they hold when write-back is turned back on.
 * - `dry-run` and `on` give the same plan.
 * - The cap stops at the first action that does not fit in what is left of
 *   `maxWrites` (strict value order: no smaller, less valuable action jumps
 *   ahead); each left-out action is counted in `capped` and listed in `skipped`.
 *
 * @example
 * const plan = planWriteBack({ issues, settings, auditRunId: run.id, dominant: "reliability", reportUrl });
 * for (const a of plan.actions) {
 *   if (a.kind === "labels") await connector.ensureLabels(auth, ref(a), toLabelChange(a, labelDefinitions(prefix)));
 *   else await connector.ensureComment(auth, ref(a), a.marker, a.body);
 * }
 */
export function planWriteBack(input: PlanWriteBackInput): WritebackPlan {
  const out = { ranked: [] as Ranked[], newOverrides: [] as NewOverride[], skipped: [] as Skipped[] };
  const { settings } = input;
  if (settings.mode === "off") {
    for (const f of input.issues) {
      out.skipped.push({ externalId: f.issue.externalId, key: f.issue.key, reason: "write-back is off" });
      // Observation only: decideLabels does not write.
      out.newOverrides.push(...decideLabels(f, settings.labelPrefix, settings.writeBackThreshold).newOverrides);
    }
    return finish([], out.newOverrides, out.skipped, input.issues.length, 0, 0);
  }
  for (const f of input.issues) planIssue(f, input, out);
  out.ranked.sort(compareRanked);

  const actions: PlannedAction[] = [];
  let budget = settings.maxWrites;
  let capped = 0;
  let cappedWrites = 0;
  for (const r of out.ranked) {
    const w = writesOf(r.action);
    if (capped === 0 && w <= budget) {
      actions.push(r.action);
      budget -= w;
      continue;
    }
    capped++;
    cappedWrites += w;
    out.skipped.push({ externalId: r.action.externalId, key: r.action.key, reason: `write cap of ${settings.maxWrites} reached` });
  }
  return finish(actions, out.newOverrides, out.skipped, input.issues.length, capped, cappedWrites);
}

function finish(
  actions: PlannedAction[],
  newOverrides: NewOverride[],
  skipped: Skipped[],
  issues: number,
  capped: number,
  cappedWrites: number,
): WritebackPlan {
  const plan = { actions, newOverrides, skipped, capped };
  return { ...plan, counts: countPlan(plan, issues, cappedWrites) };
}
