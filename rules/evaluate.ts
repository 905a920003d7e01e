/**
 * Pack-level evaluation: out-of-fold verdicts of a whole pack (rules + a text model
 * retrained per fold), calibration of their confidence, the write-back operating point,
 * and the figures `backlog-audit rules test` and the training script print.
 *
 * Pure and runtime-neutral; the CLI and `scripts/train-model.ts` read the files.
 *
 * @example
 * const folds = groupedFolds(rows.map((r) => r.group), 10, 1);
 * const oof = packOutOfFold(pack, rows, folds, { extraTrainRows: seeds });
 * const cal = fitCalibration(oof.map((c, i) => ({ score: c.confidence, correct: c.constraint === rows[i].expected })));
 */
import type { Classification, Issue } from "../domain/types";
import { classify, type ClassifyOptions } from "./engine/classify";
import { compilePack } from "./engine/compile";
import { LABELS, type Label } from "./engine/combine";
import type { RulePack } from "./engine/load";
import { trainModel } from "./engine/model";
import { seededRandom, shuffle } from "../domain/random";
import type { Calibration, OperatingPoint } from "./model/schema";
import { applyCalibration, chooseThreshold } from "./engine/calibration";

export { applyCalibration, chooseThreshold };

export interface EvalRow {
  issue: Issue;
  expected: Label;
  /** The team: GitHub repository or Jira project (`groupOf(id)`). */
  group: string;
  tracker: string;
  /** The labelled file the row came from. */
  source: string;
}

export interface TrainRow {
  title: string;
  body: string;
  constraint: Label;
  group?: string;
  labels?: readonly string[];
}

export interface OutOfFoldOptions {
  /** Rows added to every training fold and never scored (seed phrases). */
  extraTrainRows?: TrainRow[];
  /** Hyperparameters for the per-fold model (default: the pack model's own). */
  hyper?: object;
  /** Train each fold on this share of its training rows (learning curve); default 1. */
  trainFraction?: number;
  seed?: number;
  classify?: ClassifyOptions;
}

/**
 * Each row classified by the pack with a model trained without the row's fold. A pack
 * without a model is evaluated as is (rules are not trained, so there is nothing to hold out).
 */
export function packOutOfFold(pack: RulePack, rows: readonly EvalRow[], folds: readonly number[], opts: OutOfFoldOptions = {}): Classification[] {
  const out = new Array<Classification>(rows.length);
  if (!pack.model || opts.classify?.noModel) {
    const compiled = compilePack(pack);
    rows.forEach((r, i) => (out[i] = classify(compiled, r.issue, opts.classify)));
    return out;
  }
  const hyper = opts.hyper ?? (pack.model as unknown as { hyperparameters?: object }).hyperparameters;
  const k = Math.max(...folds) + 1;
  const random = seededRandom(opts.seed ?? 1);
  for (let f = 0; f < k; f++) {
    let trainIdx = rows.map((_, i) => i).filter((i) => folds[i] !== f);
    if (trainIdx.length === rows.length) continue;
    if (opts.trainFraction !== undefined && opts.trainFraction < 1) {
      trainIdx = shuffle(trainIdx, random).slice(0, Math.max(1, Math.round(trainIdx.length * opts.trainFraction)));
    }
    const train = [...trainIdx.map((i) => toTrainRow(rows[i] as EvalRow)), ...(opts.extraTrainRows ?? [])];
    const foldPack: RulePack = { ...pack, model: trainModel(train, hyper), calibration: null };
    const compiled = compilePack(foldPack);
    rows.forEach((r, i) => {
      if (folds[i] === f) out[i] = classify(compiled, r.issue, opts.classify);
    });
  }
  return out;
}

export function toTrainRow(r: EvalRow): TrainRow {
  return { title: r.issue.title, body: r.issue.body, constraint: r.expected, group: r.group, labels: r.issue.labels };
}

/** One scored verdict: its confidence and whether it was right. */
export interface Scored {
  score: number;
  correct: boolean;
}

/** Verdicts that name a constraint, scored against the labels (abstentions are not verdicts). */
export function scoredVerdicts(results: readonly Classification[], rows: readonly EvalRow[]): Scored[] {
  const out: Scored[] = [];
  results.forEach((c, i) => {
    if (c.constraint !== null) out.push({ score: c.confidence, correct: c.constraint === (rows[i] as EvalRow).expected });
  });
  return out;
}

/**
 * Isotonic regression (pool-adjacent-violators) of correctness on score: a non-decreasing
 * step map from a raw confidence to the share of verdicts at that confidence that were right.
 * Stored as knots `[score, probability]`; `applyCalibration` interpolates linearly between them.
 *
 * @example
 * fitCalibration([{ score: 0.9, correct: false }, { score: 0.95, correct: true }]).points
 */
export function fitCalibration(scored: readonly Scored[]): Calibration {
  const sorted = [...scored].sort((a, b) => a.score - b.score);
  // Blocks of [sum correct, count, min score, max score], merged while they violate monotonicity.
  const blocks: Array<{ sum: number; n: number; lo: number; hi: number }> = [];
  for (const s of sorted) {
    blocks.push({ sum: s.correct ? 1 : 0, n: 1, lo: s.score, hi: s.score });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      // Pool equal scores, and any pair that is out of order.
      if (a.sum / a.n < b.sum / b.n && a.hi < b.lo) break;
      blocks.splice(blocks.length - 2, 2, { sum: a.sum + b.sum, n: a.n + b.n, lo: a.lo, hi: b.hi });
    }
  }
  const points: Array<[number, number]> = [];
  for (const b of blocks) {
    const p = round4(b.sum / b.n);
    // Each block is flat over [lo, hi]: two knots, or one for a single score.
    points.push([round4(b.lo), p]);
    if (b.hi > b.lo) points.push([round4(b.hi), p]);
  }
  return { method: "isotonic", rows: sorted.length, points };
}

/** Precision and coverage of writing every verdict at or above each threshold; `total` counts all rows. */
export function operatingCurve(scored: readonly Scored[], total: number): OperatingPoint[] {
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  const out: OperatingPoint[] = [];
  let written = 0;
  let right = 0;
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    written++;
    if (s.correct) right++;
    // One point per distinct score: the threshold admits every verdict at or above it.
    if (i + 1 < sorted.length && sorted[i + 1]!.score === s.score) continue;
    out.push({ threshold: round4(s.score), precision: round4(right / written), coverage: round4(written / Math.max(1, total)), rows: written });
  }
  return out.reverse();
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  rows: number;
  meanConfidence: number;
  precision: number;
}

/** Confidence bins against observed precision, and the expected calibration error (row-weighted |gap|). */
export function reliability(scored: readonly Scored[], bins = 10): { bins: ReliabilityBin[]; ece: number } {
  const acc = Array.from({ length: bins }, (_, b) => ({ lo: b / bins, hi: (b + 1) / bins, rows: 0, sumConf: 0, right: 0 }));
  for (const s of scored) {
    const b = acc[Math.min(bins - 1, Math.floor(s.score * bins))]!;
    b.rows++;
    b.sumConf += s.score;
    if (s.correct) b.right++;
  }
  let ece = 0;
  const n = scored.length || 1;
  const out = acc.map((b) => {
    const meanConfidence = b.rows ? b.sumConf / b.rows : 0;
    const precision = b.rows ? b.right / b.rows : 0;
    ece += (b.rows / n) * Math.abs(precision - meanConfidence);
    return { lo: b.lo, hi: b.hi, rows: b.rows, meanConfidence: round4(meanConfidence), precision: round4(precision) };
  });
  return { bins: out, ece: round4(ece) };
}

/** Share of rows whose verdict (abstain = none) equals the label. */
export function accuracyOf(results: readonly Classification[], rows: readonly EvalRow[]): number {
  let right = 0;
  results.forEach((c, i) => {
    if ((c.constraint ?? "none") === (rows[i] as EvalRow).expected) right++;
  });
  return rows.length ? right / rows.length : 0;
}

export { LABELS };

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4 + 0;
}

/**
 * Calibrated out-of-fold verdicts without peeking: each fold's confidences are mapped by a
 * calibration fitted on the other folds' verdicts only, then verdicts below `threshold` abstain
 * (as `classify` does with a calibrated pack). Expects verdicts classified without an abstain
 * threshold (`rawVerdictPack`).
 */
export function crossFitCalibrated(
  results: readonly Classification[],
  rows: readonly EvalRow[],
  folds: readonly number[],
  threshold: number,
): Classification[] {
  const k = Math.max(...folds) + 1;
  const out = results.slice();
  for (let f = 0; f < k; f++) {
    const others = scoredVerdicts(
      results.filter((_, i) => folds[i] !== f),
      rows.filter((_, i) => folds[i] !== f),
    );
    if (others.length === 0) continue;
    const cal = fitCalibration(others);
    results.forEach((c, i) => {
      if (folds[i] === f) out[i] = calibrateVerdict(c, cal, threshold);
    });
  }
  return out;
}

/** One verdict through a calibration and an abstain threshold. */
export function calibrateVerdict(c: Classification, cal: Calibration, threshold: number): Classification {
  if (c.decidedBy === "label") return c;
  const confidence = Math.round(applyCalibration(cal, c.confidence) * 1000) / 1000;
  if (c.constraint !== null && confidence < threshold) return { ...c, constraint: null, confidence, runnerUp: { constraint: c.constraint, confidence } };
  return { ...c, confidence };
}

/** The pack as `classify` runs it before calibration: no abstain threshold, no calibration. */
export function rawVerdictPack(pack: RulePack): RulePack {
  return { ...pack, threshold: 0, calibration: null };
}

/** Precision, coverage and verdicts written at each threshold on a 0.01 grid (what a pack stores). */
export function gridCurve(scored: readonly Scored[], total: number): OperatingPoint[] {
  const out: OperatingPoint[] = [];
  for (let t = 0; t <= 100; t++) {
    const threshold = t / 100;
    let written = 0;
    let right = 0;
    for (const s of scored) {
      if (s.score >= threshold - 1e-9) {
        written++;
        if (s.correct) right++;
      }
    }
    out.push({ threshold, precision: round4(written ? right / written : 0), coverage: round4(written / Math.max(1, total)), rows: written });
  }
  return out;
}
