/**
 * The workspace model: a per-workspace adaptation on top of the global pack. Its scores are the
 * global pack's blended log-probabilities plus a learned per-label bias and per-feature shifts
 * (the workspace's words, labels, issue types and components), trained by logistic regression
 * with an L2 penalty that pulls every shift towards zero, i.e. towards the global pack. With no
 * data it is exactly the global pack's distribution. Pure.
 */
import { z } from "zod";
import { CONSTRAINTS, type Constraint, type Issue } from "../../../domain/types";
import { STOPWORDS } from "../../../rules/model/stopwords";

/** Labels in the order of the global distribution (`rules/engine/combine.ts` LABELS): five constraints, then none. */
export const WS_LABELS = [...CONSTRAINTS, "none"] as const;
export type WsLabel = (typeof WS_LABELS)[number];
export const K = WS_LABELS.length;
export const NONE_AT = K - 1;

export const WorkspaceModelSchema = z.object({
  version: z.literal(1),
  kind: z.literal("bias-feature-shift"),
  /** Per-label bias added to the global log-probabilities. */
  bias: z.array(z.number()).length(K),
  /** feature -> per-label shift (`w:word`, `label:name`, `type:name`, `component:name`). */
  weights: z.record(z.string(), z.array(z.number()).length(K)),
  l2: z.number().nonnegative(),
  /** Examples it was trained on (positive and negative). */
  rows: z.number().int().nonnegative(),
});
export type WorkspaceModel = z.infer<typeof WorkspaceModelSchema>;

/** One training example: the issue's features, the global pack's distribution, and what a person said. */
export interface AdaptRow {
  features: string[];
  /** The global pack's blended distribution in `WS_LABELS` order. */
  base: ArrayLike<number>;
  label: WsLabel;
  /** A negative example says "not this label" (a bot label a person removed). */
  negative?: boolean;
}

export interface AdaptOptions {
  l2: number;
  epochs: number;
  learningRate: number;
  /** Keep features seen in at least this many rows. */
  minCount: number;
}
export const DEFAULT_ADAPT: AdaptOptions = { l2: 0.02, epochs: 120, learningRate: 0.5, minCount: 2 };

/**
 * The features the adaptation sees: title and body words (stopwords and short words dropped,
 * first 200 body words), and the issue's own labels (not those in our namespace), type and components.
 *
 * @example
 * issueFeatures({ title: "The importer hangs", labels: ["area/ledger"], ... }, "constraint:") // ["w:importer", "w:hangs", "label:area/ledger"]
 */
export function issueFeatures(issue: Pick<Issue, "title" | "body" | "labels" | "type" | "components">, labelPrefix: string): string[] {
  const out = new Set<string>();
  const words = (text: string, max: number) => {
    let n = 0;
    for (const w of text.toLowerCase().split(/[^a-z0-9]+/)) {
      if (w.length < 3 || w.length > 30 || STOPWORDS.has(w) || /^\d+$/.test(w)) continue;
      out.add(`w:${w}`);
      if (++n >= max) break;
    }
  };
  words(issue.title, 40);
  words(issue.body ?? "", 200);
  const p = labelPrefix.toLowerCase();
  for (const l of issue.labels) if (!l.toLowerCase().startsWith(p)) out.add(`label:${l.toLowerCase()}`);
  if (issue.type) out.add(`type:${issue.type.toLowerCase()}`);
  for (const c of issue.components ?? []) out.add(`component:${c.toLowerCase()}`);
  return [...out];
}

const logBase = (base: ArrayLike<number>, out: Float64Array) => {
  for (let k = 0; k < K; k++) out[k] = Math.log((base[k] ?? 0) + 1e-4);
};

function softmaxInPlace(s: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (s[k]! > max) max = s[k]!;
  let z = 0;
  for (let k = 0; k < K; k++) z += s[k] = Math.exp(s[k]! - max);
  for (let k = 0; k < K; k++) s[k]! /= z;
}

/**
 * Trains the shift by full-batch gradient descent (deterministic). Negative examples lower the
 * probability of their label: loss −log(1 − p). CPU: rows × features × epochs × 6.
 */
export function trainAdaptation(rows: readonly AdaptRow[], opts: AdaptOptions = DEFAULT_ADAPT): WorkspaceModel {
  const counts = new Map<string, number>();
  for (const r of rows) for (const f of r.features) counts.set(f, (counts.get(f) ?? 0) + 1);
  const vocab = [...counts]
    .filter(([, n]) => n >= opts.minCount)
    .map(([f]) => f)
    .sort();
  const index = new Map(vocab.map((f, i) => [f, i]));
  const F = vocab.length;
  const W = new Float64Array(F * K);
  const B = new Float64Array(K);
  const rowsF = rows.map((r) => Int32Array.from(r.features.flatMap((f) => (index.has(f) ? [index.get(f)!] : []))));
  const rowsBase = rows.map((r) => {
    const b = new Float64Array(K);
    logBase(r.base, b);
    return b;
  });
  const labelAt = rows.map((r) => WS_LABELS.indexOf(r.label));
  const n = Math.max(1, rows.length);
  const s = new Float64Array(K);
  const g = new Float64Array(K);
  const GW = new Float64Array(F * K);
  const GB = new Float64Array(K);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    GW.fill(0);
    GB.fill(0);
    for (let i = 0; i < rows.length; i++) {
      const fs = rowsF[i]!;
      s.set(rowsBase[i]!);
      for (let k = 0; k < K; k++) s[k]! += B[k]!;
      for (const f of fs) for (let k = 0; k < K; k++) s[k]! += W[f * K + k]!;
      softmaxInPlace(s);
      const y = labelAt[i]!;
      if (rows[i]!.negative) {
        const py = Math.min(s[y]!, 1 - 1e-6);
        // d/ds_j of −log(1 − p_y) = p_y (δ_jy − p_j) / (1 − p_y)
        for (let k = 0; k < K; k++) g[k] = (py * ((k === y ? 1 : 0) - s[k]!)) / (1 - py);
      } else for (let k = 0; k < K; k++) g[k] = s[k]! - (k === y ? 1 : 0);
      for (let k = 0; k < K; k++) GB[k]! += g[k]!;
      for (const f of fs) for (let k = 0; k < K; k++) GW[f * K + k]! += g[k]!;
    }
    const lr = opts.learningRate;
    for (let k = 0; k < K; k++) B[k]! -= lr * (GB[k]! / n + opts.l2 * B[k]!);
    for (let j = 0; j < F * K; j++) W[j]! -= lr * (GW[j]! / n + opts.l2 * W[j]!);
  }
  const weights: Record<string, number[]> = {};
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  for (let f = 0; f < F; f++) {
    const w = Array.from(W.subarray(f * K, f * K + K), r4);
    if (w.some((x) => Math.abs(x) >= 1e-3)) weights[vocab[f]!] = w;
  }
  return { version: 1, kind: "bias-feature-shift", bias: Array.from(B, r4), weights, l2: opts.l2, rows: rows.length };
}

export interface AdaptedVerdict {
  /** Distribution over `WS_LABELS`. */
  dist: Float64Array;
  best: number;
  /** The features that moved the winner most, strongest first. */
  top: Array<{ feature: string; weight: number }>;
}

/** The workspace model's distribution for one issue. */
export function predictAdaptation(model: WorkspaceModel, features: readonly string[], base: ArrayLike<number>, topN = 3): AdaptedVerdict {
  const s = new Float64Array(K);
  logBase(base, s);
  for (let k = 0; k < K; k++) s[k]! += model.bias[k]!;
  const hits: Array<[string, number[]]> = [];
  for (const f of features) {
    const w = model.weights[f];
    if (!w) continue;
    hits.push([f, w]);
    for (let k = 0; k < K; k++) s[k]! += w[k]!;
  }
  softmaxInPlace(s);
  let best = 0;
  for (let k = 1; k < K; k++) if (s[k]! > s[best]!) best = k;
  const top = hits
    .map(([feature, w]) => ({ feature, weight: Math.round(w[best]! * 1000) / 1000 }))
    .filter((t) => t.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.feature.localeCompare(b.feature))
    .slice(0, topN);
  return { dist: s, best, top };
}

export const labelOf = (i: number): Constraint | null => (i === NONE_AT ? null : (WS_LABELS[i] as Constraint));
