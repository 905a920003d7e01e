/**
 * Stratified k-fold cross-validation. Deterministic for a given seed.
 */
import { seededRandom, shuffle } from "../../src/core/random";
import type { Label, TextModel, TrainOptions } from "./schema";
import { train, type LabelledRow } from "./train";

/**
 * Fold number (0..k-1) of every row: each label's rows are shuffled with the seed and
 * dealt round-robin, continuing where the previous label stopped so folds stay even.
 *
 * @example
 * stratifiedFolds(["a", "a", "b", "b"], 2, 1) // each fold gets one "a" and one "b"
 */
export function stratifiedFolds(labels: readonly string[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`crossValidate: k must be an integer >= 2, got ${k}`);
  const random = seededRandom(seed);
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byLabel.get(l) ?? [];
    list.push(i);
    byLabel.set(l, list);
  });
  const folds = new Array<number>(labels.length).fill(0);
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    for (const i of shuffle(byLabel.get(label) as number[], random)) {
      folds[i] = next;
      next = (next + 1) % k;
    }
  }
  return folds;
}

export interface CrossValidateOptions {
  train?: Partial<TrainOptions>;
  /** Rows added to the training side of every fold and never scored (e.g. seed phrases). */
  extraTrainRows?: LabelledRow[];
}

export interface CrossValidation {
  /** Share of rows whose prediction (null counted as "none") equals their label. */
  accuracy: number;
  predictions: Array<{ index: number; predicted: Label | null }>;
  /** Fold of each row, by row index. */
  folds: number[];
}

/**
 * Train on k-1 folds, classify the held-out fold with `classify`, for every fold.
 *
 * @example
 * const cv = crossValidate(rows, 10, 1, (m, row) => argmax(predict(m, row).probs));
 * cv.accuracy; // 0..1
 */
export function crossValidate(
  rows: LabelledRow[],
  k: number,
  seed: number,
  classify: (model: TextModel, row: LabelledRow, index: number) => Label | null,
  opts: CrossValidateOptions = {},
): CrossValidation {
  const folds = stratifiedFolds(
    rows.map((r) => r.constraint),
    k,
    seed,
  );
  const predicted = new Array<Label | null>(rows.length).fill(null);
  for (let f = 0; f < k; f++) {
    const trainRows = rows.filter((_, i) => folds[i] !== f).concat(opts.extraTrainRows ?? []);
    if (trainRows.length === 0) continue;
    const model = train(trainRows, opts.train);
    rows.forEach((row, i) => {
      if (folds[i] === f) predicted[i] = classify(model, row, i);
    });
  }
  let correct = 0;
  const predictions = rows.map((row, index) => {
    const p = predicted[index] ?? null;
    if ((p ?? "none") === row.constraint) correct++;
    return { index, predicted: p };
  });
  return { accuracy: rows.length ? correct / rows.length : 0, predictions, folds };
}
