/**
 * Classify on change: only issues whose content hash (or the workspace's pack)
 * changed since their last verdict are classified and scored again.
 */
import { scoreIssue } from "../../rules";
import type { Constraint } from "../../domain/types";
import { getLatestAuditHead } from "../db/audits";
import { listAssessments, saveClassifications } from "../db/classifications";
import { getSettings } from "../db/workspaces";
import type { WorkspaceContext } from "./job-context";
import { classifyForWorkspace, learnerHash, loadLearner } from "./learning";
import { compiledPackFor } from "./rule-packs";

/** Issues per call: bounded so one queue invocation stays well inside D1's per-invocation query limit. */
export const CLASSIFY_CHUNK = 400;

export async function latestDominant(db: D1Database, workspaceId: string): Promise<Constraint | null> {
  const latest = await getLatestAuditHead(db, workspaceId);
  return (latest?.dominant as Constraint | null) ?? null;
}

/**
 * Classifies up to `limit` issues that need it. Returns how many were done and
 * whether more remain (the caller re-enqueues).
 */
export async function classifyPending(
  db: D1Database,
  workspaceId: string,
  opts: {
    limit?: number;
    now?: Date /** Settings, audit head and learning state already loaded by the job (not read again). */;
    context?: WorkspaceContext;
  } = {},
): Promise<{ classified: number; more: boolean }> {
  const settings = opts.context ? opts.context.settings : await getSettings(db, workspaceId);
  if (!settings) return { classified: 0, more: false };
  const { compiled, hash: packHash } = compiledPackFor(settings);
  // The workspace's review answers and live workspace model (src/services/learning.ts); without them this is the global pack.
  const learner = await loadLearner(db, workspaceId, settings.labelPrefix, opts.context?.learning);
  const hash = learnerHash(packHash, learner);
  const dominant = opts.context ? ((opts.context.latestAudit?.dominant as Constraint | null) ?? null) : await latestDominant(db, workspaceId);
  const limit = opts.limit ?? CLASSIFY_CHUNK;
  const rows = await listAssessments(db, workspaceId, { limit, needsClassification: { packHash: hash } });
  const out = rows.map((r) => {
    const classification = classifyForWorkspace(compiled, r.id, r.issue, learner);
    const scores = scoreIssue(compiled, r.issue, classification, { dominant });
    return { issueId: r.id, contentHash: r.contentHash, packHash: hash, classification, scores };
  });
  await saveClassifications(db, workspaceId, out, opts.now);
  return { classified: out.length, more: rows.length === limit };
}
