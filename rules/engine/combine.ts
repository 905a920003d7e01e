/**
 * How rule votes and the learned model's distribution become one verdict.
 * Pure and small on purpose: this is the knob to tune.
 */
import { CONSTRAINTS, type Constraint } from "../../src/core/types";

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

/**
 * Combines rule votes with the model's distribution into one verdict. With a
 * model: a log-linear blend (see `blendWithModel`). Without: rule strength.
 * Below `threshold`, or when `none` wins, the verdict is null (abstain).
 *
 * @example
 * combineVotes({ reliability: 4 }, null, { threshold: 0.5, modelWeight: 0.25, ruleWeight: 0.75, ruleScale: 2 }).constraint // "reliability"
 */
export function combineVotes(
  votes: Partial<Record<Label, number>>,
  model: Record<Label, number> | null,
  opts: CombineOptions,
): Combined {
  if (model && opts.modelWeight > 0) return blendWithModel(votes, model, opts);
  return rulesOnly(votes, opts);
}

/**
 * Log-linear blend (a product of experts): score(l) = modelWeight·log p(l) + ruleWeight·votes(l),
 * softmaxed. Strong rules outweigh the model; where rules are silent or weak the model's
 * distribution decides, its `none` included. Agreement raises confidence, disagreement lowers it.
 */
function blendWithModel(votes: Partial<Record<Label, number>>, model: Record<Label, number>, opts: CombineOptions): Combined {
  const score = {} as Record<Label, number>;
  let max = -Infinity;
  for (const l of LABELS) {
    score[l] = opts.modelWeight * Math.log((model[l] ?? 0) + 1e-4) + opts.ruleWeight * (votes[l] ?? 0);
    if (score[l] > max) max = score[l];
  }
  let z = 0;
  const dist = {} as Record<Label, number>;
  for (const l of LABELS) z += dist[l] = Math.exp(score[l] - max);
  for (const l of LABELS) dist[l] /= z;
  const ranked = [...LABELS].sort((a, b) => dist[b] - dist[a]);
  const best = ranked[0]!;
  const second = ranked[1]!;
  const ruleMargin = opts.ruleWeight * ((votes[best] ?? 0) - (votes[second] ?? 0));
  const modelMargin = opts.modelWeight * (Math.log((model[best] ?? 0) + 1e-4) - Math.log((model[second] ?? 0) + 1e-4));
  const decidedBy = (votes[best] ?? 0) > 0 && ruleMargin >= modelMargin ? "rules" : "model";
  return verdict(best, dist, decidedBy, opts.threshold);
}

function verdict(best: Label, dist: Record<Label, number>, decidedBy: Combined["decidedBy"], threshold: number): Combined {
  const ranked = [...CONSTRAINTS].sort((a, b) => dist[b] - dist[a]);
  const topC = ranked[0]!;
  if (best === "none" || dist[best] < threshold) {
    return { constraint: null, confidence: round(dist[topC]), runnerUp: dist[topC] > 0 ? { constraint: topC, confidence: round(dist[topC]) } : null, decidedBy, dist };
  }
  const c = best as Constraint;
  const ru = ranked.find((x) => x !== c)!;
  return { constraint: c, confidence: round(dist[c]), runnerUp: dist[ru] > 0 ? { constraint: ru, confidence: round(dist[ru]) } : null, decidedBy, dist };
}

/** Without a model: rules take `strength` of the mass (from their total weight), split by their votes. */
function rulesOnly(votes: Partial<Record<Label, number>>, opts: CombineOptions): Combined {
  let total = 0;
  for (const l of LABELS) total += votes[l] ?? 0;
  const strength = ruleStrength(total, opts.ruleScale);
  const dist = {} as Record<Label, number>;
  for (const l of LABELS) dist[l] = total > 0 ? (strength * (votes[l] ?? 0)) / total : 0;
  let best: Label = "none";
  for (const l of LABELS) if (dist[l] > dist[best]) best = l;
  return verdict(best, dist, total > 0 ? "rules" : "none", opts.threshold);
}

function round(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
}
