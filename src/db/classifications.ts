/** Verdicts and scores per issue, with the content and pack hashes they came from. */
import { z } from "zod";
import { ConstraintSchema, ReasonSchema, ScoreReasonSchema, type Classification, type Scores } from "../../domain/types";
import { rowToIssue, type StoredIssue } from "./issues";
import { decodeReasons, decodeScoreReasons, encodeReasons, encodeScoreReasons } from "./explanations";
import { safeJson } from "./workspaces";

export interface StoredAssessment extends StoredIssue {
  classification: Classification | null;
  scores: Scores | null;
  packHash: string | null;
}

type ClassRow = {
  c_constraint: string | null;
  c_confidence: number | null;
  c_runner_up: string | null;
  c_runner_up_conf: number | null;
  c_decided_by: string | null;
  c_reasons: string | null;
  c_impact: number | null;
  c_evidence: number | null;
  c_exec_confidence: number | null;
  c_timing: number | null;
  c_score_reasons: string | null;
  c_content_hash: string | null;
  c_pack_hash: string | null;
};

const reasons = z.array(ReasonSchema).catch([]);
const scoreReasons = z.array(ScoreReasonSchema).catch([]);
const decidedBy = z.enum(["rules", "model", "label", "workspace-model", "none"]).catch("none");

function toAssessment(r: Parameters<typeof rowToIssue>[0] & ClassRow): StoredAssessment {
  const base = rowToIssue(r);
  if (r.c_confidence == null) return { ...base, classification: null, scores: null, packHash: null };
  const constraint = ConstraintSchema.nullable().catch(null).parse(r.c_constraint);
  const runnerUp = ConstraintSchema.safeParse(r.c_runner_up);
  return {
    ...base,
    packHash: r.c_pack_hash,
    classification: {
      constraint,
      confidence: r.c_confidence,
      runnerUp: runnerUp.success ? { constraint: runnerUp.data, confidence: r.c_runner_up_conf ?? 0 } : null,
      decidedBy: decidedBy.parse(r.c_decided_by),
      reasons: reasons.parse(decodeReasons(safeJson(r.c_reasons))),
    },
    scores: {
      impact: r.c_impact ?? 1,
      evidence: r.c_evidence ?? 1,
      confidence: r.c_exec_confidence ?? 1,
      timing: r.c_timing ?? 1,
      reasons: scoreReasons.parse(decodeScoreReasons(safeJson(r.c_score_reasons))),
    },
  };
}

const SELECT = `SELECT i.*, c.constraint_name AS c_constraint, c.confidence AS c_confidence, c.runner_up AS c_runner_up, c.runner_up_conf AS c_runner_up_conf,
  c.decided_by AS c_decided_by, c.reasons AS c_reasons, c.impact AS c_impact, c.evidence AS c_evidence, c.exec_confidence AS c_exec_confidence,
  c.timing AS c_timing, c.score_reasons AS c_score_reasons, c.content_hash AS c_content_hash, c.pack_hash AS c_pack_hash
  FROM issues i LEFT JOIN classifications c ON c.issue_id = i.id AND c.workspace_id = i.workspace_id`;

/** Issues (with any verdict) of a workspace, paged by id. */
export async function listAssessments(
  db: D1Database,
  workspaceId: string,
  opts: { after?: string; limit?: number; connectionId?: string; needsClassification?: { packHash: string }; ids?: string[] } = {},
): Promise<StoredAssessment[]> {
  const where = ["i.workspace_id = ?", "i.deleted = 0", "i.id > ?"];
  const args: unknown[] = [workspaceId, opts.after ?? ""];
  if (opts.ids) {
    if (opts.ids.length === 0) return [];
    // One JSON parameter: D1 binds at most 100 per statement (a longer list used to fail with a bind-count error).
    where.push("i.id IN (SELECT value FROM json_each(?))");
    args.push(JSON.stringify(opts.ids));
  }
  if (opts.connectionId) {
    where.push("i.connection_id = ?");
    args.push(opts.connectionId);
  }
  if (opts.needsClassification) {
    where.push("(c.issue_id IS NULL OR c.content_hash != i.content_hash OR c.pack_hash != ?)");
    args.push(opts.needsClassification.packHash);
  }
  const { results } = await db
    .prepare(`${SELECT} WHERE ${where.join(" AND ")} ORDER BY i.id LIMIT ?`)
    .bind(...args, opts.limit ?? 500)
    .all<Parameters<typeof toAssessment>[0]>();
  return results.map(toAssessment);
}

export async function getAssessment(db: D1Database, workspaceId: string, issueId: string): Promise<StoredAssessment | null> {
  const r = await db
    .prepare(`${SELECT} WHERE i.workspace_id = ? AND i.id = ? AND i.deleted = 0`)
    .bind(workspaceId, issueId)
    .first<Parameters<typeof toAssessment>[0]>();
  return r ? toAssessment(r) : null;
}

export async function saveClassifications(
  db: D1Database,
  workspaceId: string,
  rows: Array<{ issueId: string; contentHash: string; packHash: string; classification: Classification; scores: Scores }>,
  now = new Date(),
): Promise<void> {
  if (rows.length === 0) return;
  const at = now.toISOString();
  const stmts = rows.map((r) =>
    db
      .prepare(
        `INSERT INTO classifications (issue_id, workspace_id, constraint_name, confidence, runner_up, runner_up_conf, decided_by, reasons,
           impact, evidence, exec_confidence, timing, score_reasons, content_hash, pack_hash, classified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (issue_id) DO UPDATE SET constraint_name = excluded.constraint_name, confidence = excluded.confidence, runner_up = excluded.runner_up,
           runner_up_conf = excluded.runner_up_conf, decided_by = excluded.decided_by, reasons = excluded.reasons, impact = excluded.impact,
           evidence = excluded.evidence, exec_confidence = excluded.exec_confidence, timing = excluded.timing, score_reasons = excluded.score_reasons,
           content_hash = excluded.content_hash, pack_hash = excluded.pack_hash, classified_at = excluded.classified_at`,
      )
      .bind(
        r.issueId,
        workspaceId,
        r.classification.constraint,
        r.classification.confidence,
        r.classification.runnerUp?.constraint ?? null,
        r.classification.runnerUp?.confidence ?? null,
        r.classification.decidedBy,
        encodeReasons(r.classification.reasons),
        r.scores.impact,
        r.scores.evidence,
        r.scores.confidence,
        r.scores.timing,
        encodeScoreReasons(r.scores.reasons),
        r.contentHash,
        r.packHash,
        at,
      ),
  );
  for (let i = 0; i < stmts.length; i += 100) await db.batch(stmts.slice(i, i + 100));
}
