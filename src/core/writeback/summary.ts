/**
 * Views of a plan: counts for the UI and API, and flat diff rows for the
 * dry-run diff view and the ledger. Pure.
 */
import type { DiffRow, NewOverride, PlanCounts, PlannedAction, Skipped, WritebackPlan } from "./schema";

/** Counts by kind and op. `issues` and `cappedWrites` are known only at planning time. */
export function countPlan(
  plan: { actions: PlannedAction[]; newOverrides: NewOverride[]; skipped: Skipped[]; capped: number },
  issues: number,
  cappedWrites: number,
): PlanCounts {
  const c: PlanCounts = {
    issues,
    actions: plan.actions.length,
    writes: 0,
    labelAdds: 0,
    labelRemoves: 0,
    commentCreates: 0,
    commentUpdates: 0,
    commentDeletes: 0,
    capped: plan.capped,
    cappedWrites,
    newOverrides: plan.newOverrides.length,
    skipped: plan.skipped.length,
  };
  for (const a of plan.actions) {
    if (a.kind === "labels") {
      c.labelAdds += a.add.length;
      c.labelRemoves += a.remove.length;
    } else if (a.op === "create") c.commentCreates++;
    else if (a.op === "update") c.commentUpdates++;
    else c.commentDeletes++;
  }
  c.writes = c.labelAdds + c.labelRemoves + c.commentCreates + c.commentUpdates + c.commentDeletes;
  return c;
}

/**
 * Counts by kind and op for the UI and the API (recomputed from the actions,
 * so it also works on a plan read back from storage).
 *
 * @example
 * summarizePlan(plan); // { actions: 3, writes: 4, labelAdds: 2, labelRemoves: 1, commentCreates: 1, ... }
 */
export function summarizePlan(plan: WritebackPlan): PlanCounts {
  return countPlan(plan, plan.counts.issues, plan.counts.cappedWrites);
}

/**
 * One row per write: `+ label`, `- label`, `comment: create|update|delete`,
 * in plan order.
 *
 * @example
 * planToDiffRows(plan)[0]; // { key: "ENG-1", change: "+ constraint:reliability", reason: "verdict reliability at ...", ... }
 */
export function planToDiffRows(plan: Pick<WritebackPlan, "actions">): DiffRow[] {
  const rows: DiffRow[] = [];
  for (const a of plan.actions) {
    const base = { externalId: a.externalId, key: a.key, reason: a.reason, ruleId: a.ruleId };
    if (a.kind === "labels") {
      for (const l of a.remove) rows.push({ ...base, change: `- ${l}` });
      for (const l of a.add) rows.push({ ...base, change: `+ ${l}` });
    } else rows.push({ ...base, change: `comment: ${a.op}` });
  }
  return rows;
}
