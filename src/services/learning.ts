/**
 * Learning from a team: collects the workspace's labelled evidence into D1, trains and gates its
 * workspace model (the `learn` queue job), applies it (and review answers) when classifying, and
 * chooses the per-workspace write threshold. The math is in `src/core/learning` (pure).
 */
import { classify, scoreIssue, type CompiledPack } from "../../rules";
import {
  backtest,
  chooseWorkspaceThreshold,
  issueFeatures,
  K,
  labelOf,
  learnMappings,
  MIN_LABELLED,
  operatingCurve,
  predictAdaptation,
  reviewQueue,
  trainAdaptation,
  WorkspaceModelSchema,
  WS_LABELS,
  type BacktestResult,
  type LabelledIssue,
  type Mapping,
  type OperatingPoint,
  type ReviewItem,
  type WorkspaceModel,
  type WorkspaceThreshold,
  type WsLabel,
} from "../core/learning";
import { stableHash } from "../core/hash";
import { CONSTRAINTS, type Classification, type Constraint, type Issue, type Reason } from "../../domain/types";
import { getLatestAuditHead } from "../db/audits";
import { getAssessment, listAssessments, saveClassifications, type StoredAssessment } from "../db/classifications";
import {
  getLearningState,
  getLiveModel,
  issuesWithPrefixLabels,
  listExamples,
  listReviewRows,
  overridesWithIssues,
  replaceExamples,
  reviewAnswers,
  saveReviewAnswer,
  saveTrainingOutcome,
  type ExampleLabel,
  type LearningExample,
  type LearningState,
  type NewExample,
} from "../db/learning";
import { ownershipByIssue } from "../db/ledger";
import { getSettings, type WorkspaceSettings } from "../db/workspaces";
import { compiledPackFor } from "./rule-packs";

/** Most recent labelled issues a training job reads (bounds its CPU time). */
export const MAX_TRAINING_ISSUES = 1500;

/** What the classifier needs per workspace: the live model (if any) and the review answers. */
export interface Learner {
  modelId: string | null;
  model: WorkspaceModel | null;
  answers: Map<string, ExampleLabel>;
  labelPrefix: string;
}

/** The live model of a learning state already read (a job's context), as `getLiveModel` would read it. */
function liveModelOf(state: LearningState): { modelId: string; model: unknown } | null {
  return state.status === "live" && state.modelId !== null ? { modelId: state.modelId, model: state.model } : null;
}

/** The classifier's inputs; `learning` is the state the job's context already read (then only the review answers are read). */
export async function loadLearner(db: D1Database, workspaceId: string, labelPrefix: string, learning?: LearningState): Promise<Learner> {
  const [live, answers] = await Promise.all([learning ? liveModelOf(learning) : getLiveModel(db, workspaceId), reviewAnswers(db, workspaceId)]);
  const parsed = live ? WorkspaceModelSchema.safeParse(live.model) : null;
  return { modelId: parsed?.success ? live!.modelId : null, model: parsed?.success ? parsed.data : null, answers, labelPrefix };
}

/** The pack hash a workspace's verdicts carry: the pack's, plus the live model's id. */
export const learnerHash = (packHash: string, learner: Pick<Learner, "modelId">) => (learner.modelId ? `${packHash}+${learner.modelId}` : packHash);

/** A review answer as a verdict: a person said so. */
export function answerVerdict(answer: ExampleLabel): Classification {
  const constraint = answer === "none" ? null : answer;
  return {
    constraint,
    confidence: 1,
    runnerUp: null,
    decidedBy: "label",
    reasons: [{ ruleId: `review:${answer}`, source: "label", constraint, weight: 1, field: "review", match: answer }],
  };
}

const DIST = new Float64Array(K);

/**
 * Classifies one issue for a workspace: a human label first, then a review answer, then the
 * workspace model when one is live (on top of the global pack), else the global pack unchanged.
 */
export function classifyForWorkspace(compiled: CompiledPack, issueId: string, issue: Issue, learner: Learner | null): Classification {
  if (!learner || (learner.model === null && learner.answers.size === 0)) return classify(compiled, issue);
  const global = classify(compiled, issue, learner.model ? { distribution: DIST } : {});
  if (global.decidedBy === "label") return global;
  const answer = learner.answers.get(issueId);
  if (answer) return answerVerdict(answer);
  if (!learner.model) return global;
  return adapted(compiled, learner.model, issue, DIST, global, learner.labelPrefix);
}

function adapted(compiled: CompiledPack, model: WorkspaceModel, issue: Issue, base: Float64Array, global: Classification, prefix: string): Classification {
  const v = predictAdaptation(model, issueFeatures(issue, prefix), base, 3);
  const p = v.dist;
  let constraint = labelOf(v.best);
  let confidence = round(p[v.best]!);
  // The two most likely constraints (not none).
  const order = CONSTRAINTS.map((c, i) => [c, p[i]!] as const).sort((a, b) => b[1] - a[1]);
  let runnerUp: Classification["runnerUp"] = null;
  if (constraint === null || confidence < compiled.pack.threshold) {
    runnerUp = { constraint: order[0]![0], confidence: round(order[0]![1]) };
    if (constraint !== null) constraint = null;
    else confidence = round(order[0]![1]);
  } else {
    const ru = order.find(([c]) => c !== constraint)!;
    runnerUp = { constraint: ru[0], confidence: round(ru[1]) };
  }
  const reasons: Reason[] = v.top.map((t) => {
    const [kind, ...rest] = t.feature.split(":");
    const field = kind === "w" ? "text" : kind === "label" ? "labels" : kind === "type" ? "type" : "components";
    return { ruleId: "workspace-model", source: "workspace-model", constraint: labelOf(v.best), weight: t.weight, field, match: rest.join(":") };
  });
  return { constraint, confidence, runnerUp, decidedBy: "workspace-model", reasons: [...reasons, ...global.reasons] };
}

/** The issue as the global pack should see it for learning: without the human constraint labels it is labelled by. */
function withoutVerdictLabels(issue: Issue, prefix: string): Issue {
  const p = prefix.toLowerCase();
  return { ...issue, labels: issue.labels.filter((l) => !l.toLowerCase().startsWith(p)) };
}

const verdictOfLabel = (label: string, prefix: string): ExampleLabel | null => {
  const rest = label.toLowerCase().slice(prefix.length).trim();
  return (WS_LABELS as readonly string[]).includes(rest) ? (rest as ExampleLabel) : null;
};

/**
 * Collects the tracker's evidence into D1: constraint labels a person applied (labels we applied
 * ourselves, per the ledger, are not evidence) and human overrides (a bot label a person removed
 * is a negative example for that verdict; the replacement label, if any, is a positive label example).
 */
export async function collectEvidence(
  db: D1Database,
  workspaceId: string,
  settings: WorkspaceSettings,
  now: Date,
): Promise<{ labels: number; overrides: number }> {
  const prefix = settings.labelPrefix;
  const labelled = await issuesWithPrefixLabels(db, workspaceId, prefix);
  const owned = new Map<string, Awaited<ReturnType<typeof ownershipByIssue>>>();
  const labelRows: NewExample[] = [];
  for (const r of labelled) {
    if (!owned.has(r.connectionId)) owned.set(r.connectionId, await ownershipByIssue(db, r.connectionId));
    const ours = owned.get(r.connectionId)!.get(r.externalId);
    for (const l of r.labels) {
      if (!l.toLowerCase().startsWith(prefix.toLowerCase())) continue;
      if (ours && [...ours.labels, ...ours.inFlight].some((o) => o.toLowerCase() === l.toLowerCase())) continue;
      const v = verdictOfLabel(l, prefix);
      if (v) {
        labelRows.push({ issueId: r.id, source: "label", label: v, polarity: "positive", verdict: null, confidence: null, detail: l });
        break;
      }
    }
  }
  const overrideRows: NewExample[] = [];
  for (const o of await overridesWithIssues(db, workspaceId)) {
    const v = verdictOfLabel(o.label, prefix);
    if (v && v !== "none")
      overrideRows.push({
        issueId: o.issueId,
        source: "override",
        label: v,
        polarity: "negative",
        verdict: v,
        confidence: null,
        detail: `a person removed ${o.label}`,
      });
  }
  await replaceExamples(db, workspaceId, "label", labelRows, now);
  await replaceExamples(db, workspaceId, "override", overrideRows, now);
  return { labels: labelRows.length, overrides: overrideRows.length };
}

/** One ground truth per issue: the tracker label first, then the review answer; negatives where no positive says the same label. */
export function groundTruth(examples: readonly LearningExample[]): {
  positives: Map<string, { label: ExampleLabel; source: "label" | "review" }>;
  negatives: Array<{ issueId: string; label: ExampleLabel }>;
} {
  const positives = new Map<string, { label: ExampleLabel; source: "label" | "review" }>();
  for (const e of examples) if (e.polarity === "positive" && e.source === "label") positives.set(e.issueId, { label: e.label, source: "label" });
  for (const e of examples)
    if (e.polarity === "positive" && e.source === "review" && !positives.has(e.issueId)) positives.set(e.issueId, { label: e.label, source: "review" });
  const negatives = examples
    .filter((e) => e.polarity === "negative" && positives.get(e.issueId)?.label !== e.label)
    .map((e) => ({ issueId: e.issueId, label: e.label }));
  return { positives, negatives };
}

async function assessmentsByIds(db: D1Database, workspaceId: string, ids: string[]): Promise<Map<string, StoredAssessment>> {
  const out = new Map<string, StoredAssessment>();
  for (let i = 0; i < ids.length; i += 90) for (const a of await listAssessments(db, workspaceId, { ids: ids.slice(i, i + 90), limit: 90 })) out.set(a.id, a);
  return out;
}

/** The training and backtest rows: each labelled issue with its features and the global pack's view of it. */
export function labelledRows(
  compiled: CompiledPack,
  prefix: string,
  items: Array<{ issueId: string; issue: Issue; label: ExampleLabel; negative?: boolean }>,
): LabelledIssue[] {
  return items.map((it) => {
    const plain = withoutVerdictLabels(it.issue, prefix);
    const dist = new Float64Array(K);
    const g = classify(compiled, plain, { distribution: dist });
    return {
      issueId: it.issueId,
      at: it.issue.createdAt,
      features: issueFeatures(plain, prefix),
      base: dist,
      label: it.label as WsLabel,
      ...(it.negative ? { negative: true } : {}),
      global: { constraint: g.constraint, confidence: g.confidence },
    };
  });
}

/** What a training run stored, read back by Settings, the API and the write threshold. */
export interface LearningReport {
  labelled: number;
  bySource: { label: number; review: number; override: number };
  negatives: number;
  backtest: BacktestResult;
  /** The global pack on every labelled issue of the workspace (it never trained on them). */
  globalCurveAll: OperatingPoint[];
  model: { features: number; bytes: number } | null;
  fingerprint: string;
}

/**
 * The `learn` job: collect evidence, backtest a workspace model trained on the older labelled
 * issues against the global pack on the newer ones, and put a model (trained on all of them) live
 * only if it wins. Reclassifies the workspace when what classifies it changed.
 */
export async function trainWorkspaceModel(
  db: D1Database,
  queue: Queue,
  workspaceId: string,
  now: Date,
): Promise<{ status: "live" | "off"; reason: string; changed: boolean }> {
  const settings = await getSettings(db, workspaceId);
  if (!settings) return { status: "off", reason: "no such workspace", changed: false };
  const { compiled, hash: packHash } = compiledPackFor(settings);
  await collectEvidence(db, workspaceId, settings, now);
  const examples = await listExamples(db, workspaceId);
  const fingerprint = stableHash(packHash + "\n" + examples.map((e) => `${e.issueId}|${e.source}|${e.label}|${e.polarity}`).join("\n"));
  const before = await getLearningState(db, workspaceId);
  if ((before.status === "live" || before.status === "off") && (before.report as LearningReport | null)?.fingerprint === fingerprint) {
    // Same evidence, same pack: training again would give the same model.
    return { status: before.status, reason: before.reason ?? "", changed: false };
  }
  const { positives, negatives } = groundTruth(examples);
  const ids = [...new Set([...positives.keys(), ...negatives.map((n) => n.issueId)])];
  const issues = await assessmentsByIds(db, workspaceId, ids);
  const items = [
    ...[...positives].flatMap(([issueId, p]) => (issues.has(issueId) ? [{ issueId, issue: issues.get(issueId)!.issue, label: p.label }] : [])),
    ...negatives.flatMap((n) => (issues.has(n.issueId) ? [{ issueId: n.issueId, issue: issues.get(n.issueId)!.issue, label: n.label, negative: true }] : [])),
  ]
    .sort((a, b) => b.issue.createdAt.localeCompare(a.issue.createdAt))
    .slice(0, MAX_TRAINING_ISSUES);
  const rows = labelledRows(compiled, settings.labelPrefix, items);
  const result = backtest(rows);
  const positivesRows = rows.filter((r) => !r.negative);
  const globalCurveAll = operatingCurve(
    positivesRows.map((r) => r.global),
    positivesRows.map((r) => r.label),
  );
  const model = result.beats ? trainAdaptation(rows) : null;
  const modelJson = model ? JSON.stringify(model) : null;
  const modelId = modelJson ? `wsm_${stableHash(modelJson)}` : null;
  const bySource = { label: 0, review: 0, override: 0 };
  for (const p of positives.values()) bySource[p.source]++;
  bySource.override = negatives.length;
  const report: LearningReport = {
    labelled: result.labelled,
    bySource,
    negatives: negatives.length,
    backtest: result,
    globalCurveAll,
    model: model ? { features: Object.keys(model.weights).length, bytes: modelJson!.length } : null,
    fingerprint,
  };
  const status = model ? "live" : "off";
  await saveTrainingOutcome(db, workspaceId, { status, reason: result.reason, modelId, model, report, now });
  const changed = (before.status === "live" ? before.modelId : null) !== modelId;
  if (changed) await queue.send({ type: "classify", workspaceId, all: false, then: "none" });
  return { status, reason: result.reason, changed };
}

/** The write threshold for a workspace (write-back reads this instead of the pack's); `learning`: the state the job already read. */
export async function workspaceThreshold(db: D1Database, workspaceId: string, compiled: CompiledPack, learning?: LearningState): Promise<WorkspaceThreshold> {
  return thresholdFrom(learning ?? (await getLearningState(db, workspaceId)), compiled);
}

function thresholdFrom(state: Awaited<ReturnType<typeof getLearningState>>, compiled: CompiledPack): WorkspaceThreshold {
  const report = state.report as LearningReport | null;
  return chooseWorkspaceThreshold({
    labelled: report?.labelled ?? 0,
    target: state.targetPrecision,
    globalThreshold: compiled.pack.writeBackThreshold,
    live: state.status === "live",
    workspaceCurve: report?.backtest.workspace?.curve ?? null,
    globalCurveAll: report?.globalCurveAll ?? [],
  });
}

const at = (curve: readonly OperatingPoint[] | undefined, t: number) => curve?.find((p) => p.threshold >= t - 1e-9) ?? null;

/** Settings and the API: status, evidence counts, the threshold, and the test table (global pack beside the workspace model). */
export async function learningView(db: D1Database, workspaceId: string) {
  const settings = (await getSettings(db, workspaceId))!;
  const { compiled } = compiledPackFor(settings);
  const state = await getLearningState(db, workspaceId);
  const report = state.report as LearningReport | null;
  const threshold = thresholdFrom(state, compiled);
  const examples = await listExamples(db, workspaceId);
  const { positives, negatives } = groundTruth(examples);
  const bySource = { label: 0, review: 0, override: negatives.length };
  for (const p of positives.values()) bySource[p.source]++;
  const bt = report?.backtest ?? null;
  const table: Array<{
    predictor: "global-pack" | "workspace-model";
    threshold: number;
    testIssues: number;
    accuracy: number | null;
    precision: number | null;
    coverage: number | null;
    written: number | null;
  }> = [];
  if (bt) {
    const g = at(bt.global.curve, compiled.pack.writeBackThreshold);
    table.push({
      predictor: "global-pack",
      threshold: compiled.pack.writeBackThreshold,
      testIssues: bt.test,
      accuracy: bt.global.accuracy,
      precision: g?.precision ?? null,
      coverage: g?.coverage ?? null,
      written: g?.rows ?? null,
    });
    if (bt.workspace) {
      const wt = threshold.source === "workspace-model" ? threshold.value : compiled.pack.writeBackThreshold;
      const w = at(bt.workspace.curve, wt);
      table.push({
        predictor: "workspace-model",
        threshold: wt,
        testIssues: bt.test,
        accuracy: bt.workspace.accuracy,
        precision: w?.precision ?? null,
        coverage: w?.coverage ?? null,
        written: w?.rows ?? null,
      });
    }
  }
  return {
    status: state.status,
    reason: state.reason,
    trainedAt: state.trainedAt,
    targetPrecision: state.targetPrecision,
    minLabelled: MIN_LABELLED,
    evidence: { labelled: positives.size, bySource, negatives: negatives.length },
    threshold: {
      value: threshold.value,
      source: threshold.source,
      met: threshold.met,
      note: threshold.note,
      precision: threshold.measured?.precision ?? null,
      coverage: threshold.measured?.coverage ?? null,
      restsOn: threshold.measured?.rows ?? null,
    },
    globalThreshold: compiled.pack.writeBackThreshold,
    backtest: bt ? { labelled: bt.labelled, train: bt.train, test: bt.test, splitAt: bt.splitAt } : null,
    table,
    model: report?.model ?? null,
  };
}

/**
 * The review queue with each issue's verdict. Orders light rows (no issue text) for the whole
 * workspace, then loads the full issue only for the questions shown.
 */
export async function reviewQueueFor(
  db: D1Database,
  workspaceId: string,
  limit: number,
): Promise<{ total: number; answered: number; items: Array<ReviewItem & { assessment: StoredAssessment }> }> {
  const [rows, answers] = await Promise.all([listReviewRows(db, workspaceId), reviewAnswers(db, workspaceId)]);
  const candidates = rows.map((r) => ({
    id: r.id,
    issue: {
      externalId: r.id,
      createdAt: r.createdAt,
      iteration: r.iterationState ? ({ kind: "cycle", id: "", name: "", state: r.iterationState } as Issue["iteration"]) : null,
    },
    classification: {
      constraint: (r.constraint as Constraint | null) ?? null,
      confidence: r.confidence,
      runnerUp: r.runnerUp ? { constraint: r.runnerUp as Constraint, confidence: r.runnerUpConfidence ?? 0 } : null,
      decidedBy: r.decidedBy as Classification["decidedBy"],
      reasons: [],
    },
    scores: { impact: 1, evidence: r.evidence, confidence: 1, timing: 1, reasons: [] },
  }));
  const queue = reviewQueue(candidates, new Set(answers.keys()));
  const shown = queue.slice(0, limit);
  const full = await assessmentsByIds(
    db,
    workspaceId,
    shown.map((q) => q.id),
  );
  return { total: queue.length, answered: answers.size, items: shown.flatMap((q) => (full.has(q.id) ? [{ ...q, assessment: full.get(q.id)! }] : [])) };
}

/**
 * Records a review answer and makes it the issue's verdict at once (it survives re-syncs: the
 * classifier applies it whenever the issue is classified again). Returns null for an issue not in the workspace.
 */
export async function recordAnswer(
  db: D1Database,
  workspaceId: string,
  p: { issueId: string; answer: ExampleLabel; by: string | null; now: Date },
): Promise<StoredAssessment | null> {
  const a = await getAssessment(db, workspaceId, p.issueId);
  if (!a) return null;
  const ok = await saveReviewAnswer(
    db,
    workspaceId,
    { issueId: p.issueId, label: p.answer, verdict: a.classification?.constraint ?? null, confidence: a.classification?.confidence ?? null, detail: p.by },
    p.now,
  );
  if (!ok) return null;
  const settings = (await getSettings(db, workspaceId))!;
  const { compiled, hash } = compiledPackFor(settings);
  const learner = await loadLearner(db, workspaceId, settings.labelPrefix);
  const classification = classifyForWorkspace(compiled, a.id, a.issue, learner);
  const dominant = ((await getLatestAuditHead(db, workspaceId))?.dominant as Constraint | null) ?? null;
  const scores = scoreIssue(compiled, a.issue, classification, { dominant });
  await saveClassifications(
    db,
    workspaceId,
    [{ issueId: a.id, contentHash: a.contentHash, packHash: learnerHash(hash, learner), classification, scores }],
    p.now,
  );
  return (await getAssessment(db, workspaceId, p.issueId))!;
}

/** The learned label/type/component mappings, each marked when the workspace pack already has its rule. */
export async function mappingsFor(db: D1Database, workspaceId: string): Promise<Array<Mapping & { accepted: boolean }>> {
  const settings = (await getSettings(db, workspaceId))!;
  const { compiled } = compiledPackFor(settings);
  const { positives } = groundTruth(await listExamples(db, workspaceId));
  const issues = await assessmentsByIds(db, workspaceId, [...positives.keys()]);
  const examples = [...positives].flatMap(([id, p]) =>
    issues.has(id) ? [{ issue: issues.get(id)!.issue, constraint: p.label === "none" ? null : (p.label as Constraint) }] : [],
  );
  const ruleIds = new Set(compiled.pack.rules.map((r) => r.id));
  return learnMappings(examples, settings.labelPrefix).map((m) => ({ ...m, accepted: ruleIds.has(m.ruleId) }));
}

function round(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
}
