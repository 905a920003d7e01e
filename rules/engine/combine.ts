/**
 * How rule votes and the learned model's distribution become one verdict.
 * Pure and small on purpose: this is the knob to tune.
 */
import { CONSTRAINTS, type Constraint } from "../../domain/types";

export type Label = Constraint | "none";
export const LABELS: readonly Label[] = [...CONSTRAINTS, "none"];

export interface CombineOptions {
  threshold: number;
  /** How much the model's log-probabilities count (0 ignores the model). */
  modelWeight: number;
  /** Nats of evidence per unit of rule vote weight, when blending with a model. */
  ruleWeight: number;
  /** Rules without a model: vote weight at which rules hold 63% of the say (1 - e^-1). */
  ruleScale: number;
}

export interface Combined {
  constraint: Constraint | null;
  confidence: number;
  runnerUp: { constraint: Constraint; confidence: number } | null;
  decidedBy: "rules" | "model" | "none";
  /** The blended distribution over labels (sums to ≤ 1 without a model). */
  dist: Record<Label, number>;
}

/** Rule strength: how much of the say the rules take, from their total vote weight. */
export function ruleStrength(totalWeight: number, scale: number): number {
  return totalWeight <= 0 ? 0 : 1 - Math.exp(-totalWeight / scale);
}

/** A verdict without the distribution: what `classify` needs. */
export type Verdict = Omit<Combined, "dist">;

/** Index of each label in `LABELS` (the order of the typed arrays below). */
export const LABEL_INDEX: Readonly<Record<Label, number>> = Object.fromEntries(LABELS.map((l, i) => [l, i])) as Record<Label, number>;
const K = LABELS.length;
const NONE_AT = LABEL_INDEX.none;

/**
 * Combines rule votes with the model's distribution into one verdict. With a
 * model: a log-linear blend (see `blendInto`). Without: rule strength.
 * Below `threshold`, or when `none` wins, the verdict is null (abstain).
 *
 * @example
 * combineVotes({ reliability: 4 }, null, { threshold: 0.5, modelWeight: 0.25, ruleWeight: 0.75, ruleScale: 2 }).constraint // "reliability"
 */
export function combineVotes(votes: Partial<Record<Label, number>>, model: Record<Label, number> | null, opts: CombineOptions): Combined {
  const v = new Float64Array(K);
  for (let i = 0; i < K; i++) v[i] = votes[LABELS[i]!] ?? 0;
  let m: Float64Array | null = null;
  if (model) {
    m = new Float64Array(K);
    for (let i = 0; i < K; i++) m[i] = model[LABELS[i]!] ?? 0;
  }
  const dist = new Float64Array(K);
  const verdict = combineArrays(v, m, opts, dist);
  const record = {} as Record<Label, number>;
  for (let i = 0; i < K; i++) record[LABELS[i]!] = dist[i]!;
  return { ...verdict, dist: record };
}

/**
 * `combineVotes` on typed arrays in `LABELS` order (no per-call records): `votes` and `model`
 * are read, the blended distribution is written into `dist`. The hot path of `classify`.
 */
export function combineArrays(votes: Float64Array, model: Float64Array | null, opts: CombineOptions, dist: Float64Array): Verdict {
  if (model && opts.modelWeight > 0) return blendInto(votes, model, opts, dist);
  return rulesOnly(votes, opts, dist);
}

/**
 * Log-linear blend (a product of experts): score(l) = modelWeight·log p(l) + ruleWeight·votes(l),
 * softmaxed. Strong rules outweigh the model; where rules are silent or weak the model's
 * distribution decides, its `none` included. Agreement raises confidence, disagreement lowers it.
 */
/** log(p + 1e-4) of each label's model probability, computed once per blend. */
const LOG_MODEL = new Float64Array(K);

function blendInto(votes: Float64Array, model: Float64Array, opts: CombineOptions, dist: Float64Array): Verdict {
  let max = -Infinity;
  for (let i = 0; i < K; i++) {
    const logModel = (LOG_MODEL[i] = Math.log(model[i]! + 1e-4));
    const score = opts.modelWeight * logModel + opts.ruleWeight * votes[i]!;
    dist[i] = score;
    if (score > max) max = score;
  }
  let z = 0;
  for (let i = 0; i < K; i++) z += dist[i] = Math.exp(dist[i]! - max);
  for (let i = 0; i < K; i++) dist[i]! /= z;
  let best = NONE_AT;
  let second = NONE_AT;
  let bestP = -1;
  let secondP = -1;
  for (let i = 0; i < K; i++) {
    const p = dist[i]!;
    if (p > bestP) {
      second = best;
      secondP = bestP;
      best = i;
      bestP = p;
    } else if (p > secondP) {
      second = i;
      secondP = p;
    }
  }
  const ruleMargin = opts.ruleWeight * (votes[best]! - votes[second]!);
  const modelMargin = opts.modelWeight * (LOG_MODEL[best]! - LOG_MODEL[second]!);
  const decidedBy = votes[best]! > 0 && ruleMargin >= modelMargin ? "rules" : "model";
  return verdict(best, dist, decidedBy, opts.threshold);
}

function verdict(best: number, dist: Float64Array, decidedBy: Combined["decidedBy"], threshold: number): Verdict {
  // The two most likely constraints (not `none`).
  let a = 0;
  let b = 1;
  if (dist[b]! > dist[a]!) [a, b] = [b, a];
  for (let i = 2; i < CONSTRAINTS.length; i++) {
    if (dist[i]! > dist[a]!) [a, b] = [i, a];
    else if (dist[i]! > dist[b]!) b = i;
  }
  if (best === NONE_AT || dist[best]! < threshold) {
    return {
      constraint: null,
      confidence: round(dist[a]!),
      runnerUp: dist[a]! > 0 ? { constraint: CONSTRAINTS[a]!, confidence: round(dist[a]!) } : null,
      decidedBy,
    };
  }
  const ru = best === a ? b : a;
  return {
    constraint: CONSTRAINTS[best]!,
    confidence: round(dist[best]!),
    runnerUp: dist[ru]! > 0 ? { constraint: CONSTRAINTS[ru]!, confidence: round(dist[ru]!) } : null,
    decidedBy,
  };
}

/** Without a model: rules take `strength` of the mass (from their total weight), split by their votes. */
function rulesOnly(votes: Float64Array, opts: CombineOptions, dist: Float64Array): Verdict {
  let total = 0;
  for (let i = 0; i < K; i++) total += votes[i]!;
  const strength = ruleStrength(total, opts.ruleScale);
  for (let i = 0; i < K; i++) dist[i] = total > 0 ? (strength * votes[i]!) / total : 0;
  let best = NONE_AT;
  for (let i = 0; i < K; i++) if (dist[i]! > dist[best]!) best = i;
  return verdict(best, dist, total > 0 ? "rules" : "none", opts.threshold);
}

function round(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
}
