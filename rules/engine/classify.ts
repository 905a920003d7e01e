/**
 * Classification: human constraint labels first, then rule votes blended with
 * the optional text model (see `combine.ts`), with an explanation.
 */
import { CONSTRAINTS, type Classification, type Constraint, type Issue, type Reason } from "../../src/core/types";
import { evaluatePack, type CompiledPack } from "./compile";
import { combineVotes, type Label } from "./combine";
import { predictModel } from "./model";

/** Vote weight at which rules hold 63% of the say. */
export const RULE_SCALE = 2;

/** A human-applied `<prefix><constraint>` label, if any. */
export function constraintFromLabels(labels: readonly string[], prefix: string): { label: string; constraint: Constraint } | null {
  const p = prefix.toLowerCase();
  for (const label of labels) {
    const l = label.toLowerCase().trim();
    if (!l.startsWith(p)) continue;
    const rest = l.slice(p.length).trim();
    const c = CONSTRAINTS.find((x) => x === rest);
    if (c) return { label, constraint: c };
  }
  return null;
}

export interface ClassifyOptions {
  /** Skip the model even when the pack has one (for rule-only figures). */
  noModel?: boolean;
}

/**
 * Classifies one issue into a constraint, or abstains (`constraint: null`).
 *
 * @example
 * const compiled = compilePack(loadDefaultPack());
 * const c = classify(compiled, issue);
 * // { constraint: "reliability", confidence: 0.86, decidedBy: "rules", reasons: [{ ruleId: "crash-words", span: [0, 5], ... }] }
 */
export function classify(compiled: CompiledPack, issue: Issue, opts: ClassifyOptions = {}): Classification {
  const pack = compiled.pack;
  const human = constraintFromLabels(issue.labels, pack.labelPrefix);
  if (human) {
    return {
      constraint: human.constraint,
      confidence: 1,
      runnerUp: null,
      decidedBy: "label",
      reasons: [{ ruleId: `label:${human.label}`, source: "label", constraint: human.constraint, weight: 1, field: "labels", match: human.label }],
    };
  }
  const evaluation = evaluatePack(compiled, issue);
  const votes: Partial<Record<Label, number>> = {};
  const reasons: Reason[] = [];
  for (const f of evaluation.fired) {
    const v = f.rule.then.vote;
    if (!v) continue;
    votes[v.constraint] = (votes[v.constraint] ?? 0) + v.weight;
    reasons.push(...f.reasons);
  }
  const model = pack.model && !opts.noModel ? predictModel(pack.model, { title: issue.title, body: issue.body ?? "" }) : null;
  const combined = combineVotes(votes, model?.probs ?? null, { threshold: pack.threshold, modelWeight: pack.modelWeight, ruleWeight: pack.ruleWeight, ruleScale: RULE_SCALE });
  if (model) {
    for (const t of model.top.slice(0, 5)) {
      reasons.push({ ruleId: "model", source: "model", constraint: t.constraint === "none" ? null : t.constraint, weight: round(t.weight), field: "text", match: t.token });
    }
  }
  return { constraint: combined.constraint, confidence: combined.confidence, runnerUp: combined.runnerUp, decidedBy: combined.decidedBy, reasons };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
