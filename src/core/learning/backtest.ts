/**
 * The workspace model's gate: a backtest on the workspace's own labelled issues split by time
 * (train on the older two thirds, test on the newest third), against the global pack on the same
 * test issues; and the per-workspace write threshold chosen from it. Pure.
 */
import { chooseThreshold } from "../../../rules/engine/calibration";
import type { Constraint } from "../../../domain/types";
import { DEFAULT_ADAPT, labelOf, predictAdaptation, trainAdaptation, type AdaptOptions, type AdaptRow, type WorkspaceModel, type WsLabel } from "./model";

/** Labelled issues a workspace needs before a model is trained or its own threshold is used (see README: measured by `npm run bench -- team`). */
export const MIN_LABELLED = 30;
/** Written verdicts a per-workspace threshold must rest on. */
export const MIN_THRESHOLD_ROWS = 10;
/** Share of the labelled issues, newest first, held out as the test. */
export const TEST_SHARE = 1 / 3;

export interface LabelledIssue extends AdaptRow {
  issueId: string;
  /** When the issue was created: the backtest's time axis. */
  at: string;
  /** The global pack's verdict (calibrated confidence), ignoring any human label. */
  global: { constraint: Constraint | null; confidence: number };
}

export interface OperatingPoint {
  threshold: number;
  precision: number;
  coverage: number;
  rows: number;
}

export interface SideResult {
  accuracy: number;
  correct: number;
  rows: number;
  curve: OperatingPoint[];
}

export interface BacktestResult {
  labelled: number;
  train: number;
  test: number;
  /** The first test issue's creation time. */
  splitAt: string | null;
  global: SideResult;
  workspace: SideResult | null;
  beats: boolean;
  reason: string;
}

type Verdict = { constraint: Constraint | null; confidence: number };

/** Precision and coverage of writing every verdict at or above each threshold (0.01 steps). */
export function operatingCurve(verdicts: readonly Verdict[], truth: readonly WsLabel[]): OperatingPoint[] {
  const out: OperatingPoint[] = [];
  const n = verdicts.length;
  for (let step = 0; step <= 100; step++) {
    const t = step / 100;
    let written = 0;
    let right = 0;
    for (let i = 0; i < n; i++) {
      const v = verdicts[i]!;
      if (v.constraint === null || v.confidence < t) continue;
      written++;
      if (v.constraint === truth[i]) right++;
    }
    out.push({ threshold: t, precision: written ? round(right / written) : 1, coverage: n ? round(written / n) : 0, rows: written });
  }
  return out;
}

function side(verdicts: Verdict[], truth: WsLabel[]): SideResult {
  let correct = 0;
  for (let i = 0; i < verdicts.length; i++) if ((verdicts[i]!.constraint ?? "none") === truth[i]) correct++;
  return { accuracy: verdicts.length ? round(correct / verdicts.length) : 0, correct, rows: verdicts.length, curve: operatingCurve(verdicts, truth) };
}

/** Positive examples (one per issue) sorted by time; negatives ride along in training only. */
export function splitByTime(rows: readonly LabelledIssue[]): { train: LabelledIssue[]; test: LabelledIssue[]; splitAt: string | null } {
  const positives = rows.filter((r) => !r.negative).sort((a, b) => a.at.localeCompare(b.at) || a.issueId.localeCompare(b.issueId));
  const nTest = Math.ceil(positives.length * TEST_SHARE);
  const test = positives.slice(positives.length - nTest);
  const splitAt = test[0]?.at ?? null;
  const testIds = new Set(test.map((r) => r.issueId));
  const train = rows.filter((r) => !testIds.has(r.issueId) && (!r.negative || splitAt === null || r.at < splitAt));
  return { train, test, splitAt };
}

/** The workspace model's verdict (abstains when `none` wins). */
export function adaptedVerdict(model: WorkspaceModel, r: Pick<AdaptRow, "features" | "base">): Verdict {
  const v = predictAdaptation(model, r.features, r.base, 0);
  return { constraint: labelOf(v.best), confidence: round(v.dist[v.best]!) };
}

/**
 * Trains on the older labelled issues, tests on the newest third, and compares with the global
 * pack's verdicts on the same issues. The model "beats" the global pack when its accuracy on the
 * test is strictly higher.
 */
export function backtest(rows: readonly LabelledIssue[], opts: AdaptOptions = DEFAULT_ADAPT): BacktestResult {
  const labelled = rows.filter((r) => !r.negative).length;
  const { train, test, splitAt } = splitByTime(rows);
  const truth = test.map((r) => r.label);
  const global = side(
    test.map((r) => r.global),
    truth,
  );
  if (labelled < MIN_LABELLED) {
    return {
      labelled,
      train: train.length,
      test: test.length,
      splitAt,
      global,
      workspace: null,
      beats: false,
      reason: `${labelled} labelled issues; a workspace model needs at least ${MIN_LABELLED}`,
    };
  }
  const model = trainAdaptation(train, opts);
  const workspace = side(
    test.map((r) => adaptedVerdict(model, r)),
    truth,
  );
  const beats = workspace.accuracy > global.accuracy;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const reason = beats
    ? `beats the global pack on the newest ${test.length} labelled issues: ${pct(workspace.accuracy)} against ${pct(global.accuracy)}`
    : `does not beat the global pack on the newest ${test.length} labelled issues: ${pct(workspace.accuracy)} against ${pct(global.accuracy)}`;
  return { labelled, train: train.length, test: test.length, splitAt, global, workspace, beats, reason };
}

/** The lowest write threshold a workspace may get from its backtest. */
export const MIN_WORKSPACE_THRESHOLD = 0.5;

export interface WorkspaceThreshold {
  /** The threshold write-back uses for this workspace. */
  value: number;
  source: "workspace-model" | "global-pack-on-workspace" | "global";
  /** The measured point at that threshold, when measured on this workspace. */
  measured: OperatingPoint | null;
  /** True when a threshold meeting the target was found on this workspace's labels. */
  met: boolean;
  note: string;
}

/**
 * The lowest threshold meeting `target` on the workspace's backtest: the workspace model's test
 * curve when it is live, else the global pack's curve on all the workspace's labelled issues.
 * A threshold qualifies when at least `MIN_THRESHOLD_ROWS` verdicts are written at it and the
 * target holds even with one more wrong verdict (right / (written + 1)), and never below
 * `MIN_WORKSPACE_THRESHOLD`. Below `MIN_LABELLED`, or
 * when none qualifies, it falls back to the global calibrated threshold and says why.
 */
export function chooseWorkspaceThreshold(p: {
  labelled: number;
  target: number;
  globalThreshold: number;
  live: boolean;
  workspaceCurve: OperatingPoint[] | null;
  globalCurveAll: OperatingPoint[];
}): WorkspaceThreshold {
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  if (p.labelled < MIN_LABELLED) {
    return {
      value: p.globalThreshold,
      source: "global",
      measured: null,
      met: false,
      note: `${p.labelled} labelled issues: below ${MIN_LABELLED}, the global calibrated threshold applies`,
    };
  }
  const curve = p.live ? p.workspaceCurve : p.globalCurveAll;
  const source = p.live ? "workspace-model" : "global-pack-on-workspace";
  // Chosen on a pessimistic precision, right / (written + 1): the target must survive one more wrong verdict.
  // On a small backtest this is what keeps a lucky streak from setting the threshold (see README: the team replay).
  // And never below even odds: however well a small backtest went, a label is not written for a verdict
  // its predictor rates less likely right than wrong.
  const cautious =
    curve?.filter((q) => q.threshold >= MIN_WORKSPACE_THRESHOLD).map((q) => ({ ...q, precision: (q.precision * q.rows) / (q.rows + 1) })) ?? null;
  const chosen = cautious ? chooseThreshold(cautious, p.target, MIN_THRESHOLD_ROWS) : null;
  const point = chosen ? curve!.find((q) => q.threshold === chosen.threshold)! : null;
  if (!point) {
    return {
      value: p.globalThreshold,
      source: "global",
      measured: null,
      met: false,
      note: `cannot yet meet ${pct(p.target)} precision on this workspace's backtest (at least ${MIN_THRESHOLD_ROWS} written verdicts, and the target must hold with one more wrong one); the global calibrated threshold applies`,
    };
  }
  return {
    value: point.threshold,
    source,
    measured: point,
    met: true,
    note: `${pct(point.precision)} precision at ${pct(point.coverage)} coverage on ${point.rows} written verdicts`,
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
