/**
 * Stratified k-fold cross-validation. Deterministic for a given seed.
 */
import { seededRandom, shuffle } from "../../domain/random";
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

/**
 * Fold number (0..k-1) of every row, grouped: all rows of one group (a team: a GitHub
 * repository or a Jira project) land in the same fold, so a model is never graded on a
 * team whose issues it trained on. Groups are dealt largest first, each to the fold with
 * the fewest rows so far (ties: the lowest fold); groups of equal size are shuffled with
 * the seed first. With fewer groups than `k`, some folds stay empty.
 *
 * @example
 * groupedFolds(["a", "a", "b", "c"], 2, 1) // the two "a" rows share a fold
 */
export function groupedFolds(groups: readonly string[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`groupedFolds: k must be an integer >= 2, got ${k}`);
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  });
  const random = seededRandom(seed);
  const order = shuffle([...members.keys()].sort(), random).sort((a, b) => (members.get(b) as number[]).length - (members.get(a) as number[]).length);
  const size = new Array<number>(k).fill(0);
  const folds = new Array<number>(groups.length).fill(0);
  for (const g of order) {
    let f = 0;
    for (let j = 1; j < k; j++) if ((size[j] as number) < (size[f] as number)) f = j;
    const rows = members.get(g) as number[];
    for (const i of rows) folds[i] = f;
    size[f]! += rows.length;
  }
  return folds;
}

/** The team an evaluation row belongs to: the part of its id before `#` (`owner/repo`, `jira:org/PROJECT`). */
export function groupOf(id: string): string {
  const at = id.indexOf("#");
  return at < 0 ? id : id.slice(0, at);
}

export interface CrossValidateOptions {
  /** Precomputed folds (e.g. `groupedFolds`); default stratified random folds. */
  folds?: number[];
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
  const folds =
    opts.folds ??
    stratifiedFolds(
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
