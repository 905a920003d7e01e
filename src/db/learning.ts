/**
 * Learning from a team (migration 0011): its labelled examples and its workspace model state.
 * Every query filters on workspace_id.
 */
import { z } from "zod";
import { safeJson } from "./workspaces";

export type ExampleSource = "label" | "override" | "review";
export type ExampleLabel = "activation" | "adoption" | "reliability" | "operations" | "throughput" | "none";

export interface LearningExample {
  issueId: string;
  source: ExampleSource;
  label: ExampleLabel;
  polarity: "positive" | "negative";
  verdict: string | null;
  confidence: number | null;
  detail: string | null;
  createdAt: string;
}

export type NewExample = Omit<LearningExample, "createdAt">;

type ExampleRow = {
  issue_id: string;
  source: ExampleSource;
  label: ExampleLabel;
  polarity: "positive" | "negative";
  verdict: string | null;
  confidence: number | null;
  detail: string | null;
  created_at: string;
};
const toExample = (r: ExampleRow): LearningExample => ({
  issueId: r.issue_id,
  source: r.source,
  label: r.label,
  polarity: r.polarity,
  verdict: r.verdict,
  confidence: r.confidence,
  detail: r.detail,
  createdAt: r.created_at,
});

const insertSql = `INSERT INTO learning_examples (workspace_id, issue_id, source, label, polarity, verdict, confidence, detail, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, issue_id, source, polarity, label) DO NOTHING`;

/**
 * Replaces the examples of one source with what the tracker and ledger say now (labels come and go);
 * rows already there keep their first-seen time.
 */
export async function replaceExamples(db: D1Database, workspaceId: string, source: "label" | "override", rows: NewExample[], now: Date): Promise<void> {
  const keep = new Set(rows.map((r) => `${r.issueId}\u0000${r.polarity}\u0000${r.label}`));
  const { results } = await db
    .prepare("SELECT issue_id, polarity, label FROM learning_examples WHERE workspace_id = ? AND source = ?")
    .bind(workspaceId, source)
    .all<{ issue_id: string; polarity: string; label: string }>();
  const stale = results.filter((r) => !keep.has(`${r.issue_id}\u0000${r.polarity}\u0000${r.label}`));
  const at = now.toISOString();
  const stmts = [
    ...stale.map((r) =>
      db
        .prepare("DELETE FROM learning_examples WHERE workspace_id = ? AND issue_id = ? AND source = ? AND polarity = ? AND label = ?")
        .bind(workspaceId, r.issue_id, source, r.polarity, r.label),
    ),
    ...rows.map((r) => db.prepare(insertSql).bind(workspaceId, r.issueId, source, r.label, r.polarity, r.verdict, r.confidence, r.detail, at)),
  ];
  for (let i = 0; i < stmts.length; i += 100) await db.batch(stmts.slice(i, i + 100));
}

/** A review answer: replaces any earlier answer for the issue. The issue must belong to the workspace (checked in SQL). */
export async function saveReviewAnswer(db: D1Database, workspaceId: string, a: Omit<NewExample, "source" | "polarity">, now: Date): Promise<boolean> {
  const [, ins] = await db.batch([
    db.prepare("DELETE FROM learning_examples WHERE workspace_id = ? AND issue_id = ? AND source = 'review'").bind(workspaceId, a.issueId),
    db
      .prepare(
        `INSERT INTO learning_examples (workspace_id, issue_id, source, label, polarity, verdict, confidence, detail, created_at)
         SELECT ?, id, 'review', ?, 'positive', ?, ?, ?, ? FROM issues WHERE id = ? AND workspace_id = ? AND deleted = 0`,
      )
      .bind(workspaceId, a.label, a.verdict, a.confidence, a.detail, now.toISOString(), a.issueId, workspaceId),
  ]);
  return (ins?.meta.changes ?? 0) > 0;
}

export async function listExamples(db: D1Database, workspaceId: string, opts: { source?: ExampleSource } = {}): Promise<LearningExample[]> {
  const { results } = await db
    .prepare(`SELECT * FROM learning_examples WHERE workspace_id = ? ${opts.source ? "AND source = ?" : ""} ORDER BY created_at, issue_id, source`)
    .bind(workspaceId, ...(opts.source ? [opts.source] : []))
    .all<ExampleRow>();
  return results.map(toExample);
}

/** Review answers by issue id (a human verdict; `none` = no constraint). */
export async function reviewAnswers(db: D1Database, workspaceId: string): Promise<Map<string, ExampleLabel>> {
  const { results } = await db
    .prepare("SELECT issue_id, label FROM learning_examples WHERE workspace_id = ? AND source = 'review'")
    .bind(workspaceId)
    .all<{ issue_id: string; label: ExampleLabel }>();
  return new Map(results.map((r) => [r.issue_id, r.label]));
}

/** Issues of the workspace that carry a label starting with `prefix` (case-insensitive), with their labels. */
export async function issuesWithPrefixLabels(
  db: D1Database,
  workspaceId: string,
  prefix: string,
): Promise<Array<{ id: string; connectionId: string; externalId: string; labels: string[] }>> {
  const { results } = await db
    .prepare("SELECT id, connection_id, external_id, labels FROM issues WHERE workspace_id = ? AND deleted = 0 AND lower(labels) LIKE ?")
    .bind(workspaceId, `%"${prefix.toLowerCase().replace(/[%_]/g, "")}%`)
    .all<{ id: string; connection_id: string; external_id: string; labels: string }>();
  const labels = z.array(z.string()).catch([]);
  return results.map((r) => ({ id: r.id, connectionId: r.connection_id, externalId: r.external_id, labels: labels.parse(safeJson(r.labels)) }));
}

/** Labels a person removed after we applied them, with our issue id. */
export async function overridesWithIssues(db: D1Database, workspaceId: string): Promise<Array<{ issueId: string; label: string; detectedAt: string }>> {
  const { results } = await db
    .prepare(
      `SELECT i.id AS issue_id, o.label, o.detected_at FROM label_overrides o
       JOIN issues i ON i.connection_id = o.connection_id AND i.external_id = o.external_id AND i.workspace_id = o.workspace_id
       WHERE o.workspace_id = ? AND i.deleted = 0`,
    )
    .bind(workspaceId)
    .all<{ issue_id: string; label: string; detected_at: string }>();
  return results.map((r) => ({ issueId: r.issue_id, label: r.label, detectedAt: r.detected_at }));
}

export type LearningStatus = "none" | "queued" | "live" | "off";

export interface LearningState {
  targetPrecision: number;
  status: LearningStatus;
  reason: string | null;
  modelId: string | null;
  model: unknown;
  report: unknown;
  trainedAt: string | null;
  updatedAt: string | null;
}

export const DEFAULT_TARGET_PRECISION = 0.95;

export async function getLearningState(db: D1Database, workspaceId: string): Promise<LearningState> {
  const r = await db.prepare("SELECT * FROM workspace_learning WHERE workspace_id = ?").bind(workspaceId).first<{
    target_precision: number;
    status: LearningStatus;
    reason: string | null;
    model_id: string | null;
    model: string | null;
    report: string | null;
    trained_at: string | null;
    updated_at: string;
  }>();
  if (!r)
    return {
      targetPrecision: DEFAULT_TARGET_PRECISION,
      status: "none",
      reason: null,
      modelId: null,
      model: null,
      report: null,
      trainedAt: null,
      updatedAt: null,
    };
  return {
    targetPrecision: r.target_precision,
    status: r.status,
    reason: r.reason,
    modelId: r.model_id,
    model: r.model ? safeJson(r.model) : null,
    report: r.report ? safeJson(r.report) : null,
    trainedAt: r.trained_at,
    updatedAt: r.updated_at,
  };
}

/** The live model's id and JSON only (the classification hot path reads this). */
export async function getLiveModel(db: D1Database, workspaceId: string): Promise<{ modelId: string; model: unknown } | null> {
  const r = await db
    .prepare("SELECT model_id, model FROM workspace_learning WHERE workspace_id = ? AND status = 'live' AND model_id IS NOT NULL")
    .bind(workspaceId)
    .first<{ model_id: string; model: string }>();
  return r ? { modelId: r.model_id, model: safeJson(r.model) } : null;
}

export async function setTargetPrecision(db: D1Database, workspaceId: string, target: number, now: Date): Promise<void> {
  await db
    .prepare(
      `INSERT INTO workspace_learning (workspace_id, target_precision, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET target_precision = excluded.target_precision, updated_at = excluded.updated_at`,
    )
    .bind(workspaceId, target, now.toISOString())
    .run();
}

/** Marks a training request (the queue job is on its way); a live model stays live meanwhile. */
export async function markTrainingQueued(db: D1Database, workspaceId: string, now: Date): Promise<void> {
  await db
    .prepare(
      `INSERT INTO workspace_learning (workspace_id, status, reason, updated_at) VALUES (?, 'queued', 'training is queued', ?)
       ON CONFLICT (workspace_id) DO UPDATE SET status = CASE WHEN status = 'live' THEN 'live' ELSE 'queued' END,
         reason = CASE WHEN status = 'live' THEN reason ELSE 'training is queued' END, updated_at = excluded.updated_at`,
    )
    .bind(workspaceId, now.toISOString())
    .run();
}

/** Stores a training outcome: a live model, or off with the reason (the model is dropped). */
export async function saveTrainingOutcome(
  db: D1Database,
  workspaceId: string,
  p: { status: "live" | "off"; reason: string; modelId: string | null; model: unknown; report: unknown; now: Date },
): Promise<void> {
  const at = p.now.toISOString();
  await db
    .prepare(
      `INSERT INTO workspace_learning (workspace_id, status, reason, model_id, model, report, trained_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, model_id = excluded.model_id, model = excluded.model,
         report = excluded.report, trained_at = excluded.trained_at, updated_at = excluded.updated_at`,
    )
    .bind(workspaceId, p.status, p.reason, p.modelId, p.model === null ? null : JSON.stringify(p.model), JSON.stringify(p.report), at, at)
    .run();
}

/** What the review queue orders on, per issue: light rows (no text), for every classified issue of the workspace. */
export interface ReviewRow {
  id: string;
  iterationState: string | null;
  createdAt: string;
  constraint: string | null;
  confidence: number;
  runnerUpConfidence: number | null;
  runnerUp: string | null;
  decidedBy: string;
  evidence: number;
}

export async function listReviewRows(db: D1Database, workspaceId: string): Promise<ReviewRow[]> {
  const { results } = await db
    .prepare(
      `SELECT i.id, json_extract(i.iteration, '$.state') AS iteration_state, i.created_at, c.constraint_name, c.confidence, c.runner_up, c.runner_up_conf, c.decided_by, c.evidence
       FROM issues i JOIN classifications c ON c.issue_id = i.id AND c.workspace_id = i.workspace_id
       WHERE i.workspace_id = ? AND i.deleted = 0 AND c.decided_by != 'label'`,
    )
    .bind(workspaceId)
    .all<{
      id: string;
      iteration_state: string | null;
      created_at: string;
      constraint_name: string | null;
      confidence: number;
      runner_up: string | null;
      runner_up_conf: number | null;
      decided_by: string;
      evidence: number;
    }>();
  return results.map((r) => ({
    id: r.id,
    iterationState: r.iteration_state,
    createdAt: r.created_at,
    constraint: r.constraint_name,
    confidence: r.confidence,
    runnerUp: r.runner_up,
    runnerUpConfidence: r.runner_up_conf,
    decidedBy: r.decided_by,
    evidence: r.evidence,
  }));
}
