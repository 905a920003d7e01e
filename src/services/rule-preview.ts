/**
 * Validating a rule pack before it is saved, and previewing what it would do
 * on the workspace's issues: how many issues each rule matches, and how the
 * verdicts would change.
 */
import { RulePackError, classify, compilePack, evaluatePack, loadPackFromString, type RulePackIssue } from "../../rules";
import type { Constraint } from "../../domain/types";
import { listAssessments } from "../db/classifications";

export type PackValidation = { ok: true } | { ok: false; issues: RulePackIssue[] };

export function validatePack(source: string): PackValidation {
  try {
    compilePack(loadPackFromString(source, "workspace-pack.yaml"));
    return { ok: true };
  } catch (e) {
    if (e instanceof RulePackError) return { ok: false, issues: e.issues };
    return { ok: false, issues: [{ file: "workspace-pack.yaml", line: null, path: "", message: (e as Error).message }] };
  }
}

export interface PackPreview {
  issues: number;
  rules: Array<{ id: string; description: string | null; matches: number; votesFor: Constraint | null }>;
  verdicts: Record<Constraint | "none", number>;
  changed: number;
}

/** Runs the candidate pack over up to `limit` issues of the workspace (nothing is saved). */
export async function previewPack(db: D1Database, workspaceId: string, source: string, limit = 5000): Promise<PackPreview> {
  const compiled = compilePack(loadPackFromString(source, "workspace-pack.yaml"));
  const counts = new Map<string, number>();
  const verdicts: PackPreview["verdicts"] = { activation: 0, adoption: 0, reliability: 0, operations: 0, throughput: 0, none: 0 };
  let seen = 0;
  let changed = 0;
  let after = "";
  while (seen < limit) {
    const rows = await listAssessments(db, workspaceId, { after, limit: Math.min(1000, limit - seen) });
    for (const r of rows) {
      for (const f of evaluatePack(compiled, r.issue).fired) counts.set(f.rule.id, (counts.get(f.rule.id) ?? 0) + 1);
      const v = classify(compiled, r.issue);
      verdicts[v.constraint ?? "none"]++;
      if ((r.classification?.constraint ?? null) !== v.constraint) changed++;
    }
    seen += rows.length;
    if (rows.length < 1000) break;
    after = rows[rows.length - 1]!.id;
  }
  return {
    issues: seen,
    rules: compiled.pack.rules.map((rule) => ({
      id: rule.id,
      description: (rule as { description?: string }).description ?? null,
      matches: counts.get(rule.id) ?? 0,
      votesFor: ((rule as { then?: { vote?: { constraint?: Constraint } } }).then?.vote?.constraint ?? null) as Constraint | null,
    })),
    verdicts,
    changed,
  };
}
