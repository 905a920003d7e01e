/**
 * Four-dimension scoring: impact, evidence, confidence and timing, each an
 * integer 1–5, from numeric signals configured in the pack plus the `scores`
 * deltas of rules that fire. Absolute: depends only on the issue and ctx.
 */
import { SCORE_DIMENSIONS, type Classification, type Constraint, type Issue, type ScoreDimension, type ScoreReason, type Scores } from "../../domain/types";
import { evaluatePack, type CompiledPack } from "./compile";
import type { ScoringConfig } from "./schema";

export const DEFAULT_SCORING: Required<Omit<ScoringConfig, "base" | "timing">> & {
  base: Record<ScoreDimension, number>;
  timing: { aligned: number; misaligned: number; activeIteration: number; nextIteration: number };
} = {
  base: { impact: 2, evidence: 1, confidence: 3, timing: 2 },
  priority: { "1": 2, "2": 1, "3": 0, "4": -1 },
  reactions: [
    { min: 3, max: 9, delta: 1 },
    { min: 10, delta: 2 },
  ],
  duplicates: [
    { min: 1, max: 2, delta: 1 },
    { min: 3, delta: 2 },
  ],
  comments: [{ min: 5, delta: 1 }],
  estimate: [
    { min: 0, max: 2, delta: 1 },
    { min: 8, max: 12, delta: -1 },
    { min: 13, delta: -2 },
  ],
  timing: { aligned: 2, misaligned: 0, activeIteration: 1, nextIteration: 0.5 },
};

type Step = { min?: number; max?: number; delta: number };

function stepDelta(steps: Step[] | undefined, v: number | null): number {
  if (v === null || !steps) return 0;
  for (const s of steps) if (v >= (s.min ?? -Infinity) && v <= (s.max ?? Infinity)) return s.delta;
  return 0;
}

/**
 * Scores one issue. `classification` is the issue's verdict; `ctx.dominant` is
 * the team's dominant constraint (from the audit), if known.
 *
 * @example
 * const s = scoreIssue(compiled, issue, classify(compiled, issue), { dominant: "reliability" });
 * // { impact: 4, evidence: 3, confidence: 3, timing: 5, reasons: [{ dimension: "impact", signal: "priority", delta: 2 }, ...] }
 */
export function scoreIssue(compiled: CompiledPack, issue: Issue, classification: Classification, ctx: { dominant: Constraint | null }): Scores {
  const cfg = compiled.pack.scoring;
  const base = { ...DEFAULT_SCORING.base, ...cfg.base };
  const timingCfg = { ...DEFAULT_SCORING.timing, ...cfg.timing };
  const raw: Record<ScoreDimension, number> = { ...base };
  const reasons: ScoreReason[] = [];
  const add = (dimension: ScoreDimension, signal: string, delta: number, match?: string) => {
    if (delta === 0) return;
    raw[dimension] += delta;
    reasons.push(match === undefined ? { dimension, signal, delta } : { dimension, signal, delta, match });
  };

  const prio = issue.priority;
  if (prio !== null && prio > 0) add("impact", "priority", (cfg.priority ?? DEFAULT_SCORING.priority)[String(prio)] ?? 0, issue.priorityName ?? String(prio));
  add("evidence", "reactions", stepDelta(cfg.reactions ?? DEFAULT_SCORING.reactions, issue.reactions), String(issue.reactions));
  add("evidence", "duplicates", stepDelta(cfg.duplicates ?? DEFAULT_SCORING.duplicates, issue.duplicateCount), String(issue.duplicateCount));
  add("evidence", "comments", stepDelta(cfg.comments ?? DEFAULT_SCORING.comments, issue.commentCount), String(issue.commentCount));
  add(
    "confidence",
    "estimate",
    stepDelta(cfg.estimate ?? DEFAULT_SCORING.estimate, issue.estimate),
    issue.estimate === null ? undefined : String(issue.estimate),
  );

  // Word and label signals: rules with `then.scores`. Each dimension takes at most +2/-2 from them.
  const evaluation = evaluatePack(compiled, issue);
  const ruleSum: Record<ScoreDimension, number> = { impact: 0, evidence: 0, confidence: 0, timing: 0 };
  for (const f of evaluation.fired) {
    const s = f.rule.then.scores;
    if (!s) continue;
    for (const d of SCORE_DIMENSIONS) {
      const delta = s[d];
      if (delta === undefined || delta === 0) continue;
      const before = ruleSum[d];
      const after = Math.max(-2, Math.min(2, before + delta));
      if (after === before) continue;
      ruleSum[d] = after;
      add(d, f.rule.id, after - before, f.reasons[0]?.match || undefined);
    }
  }

  if (ctx.dominant && classification.constraint) {
    const aligned = classification.constraint === ctx.dominant;
    add("timing", aligned ? "aligned-with-dominant" : "not-dominant", aligned ? timingCfg.aligned : timingCfg.misaligned, classification.constraint);
  }
  const it = issue.iteration?.state;
  if (it === "active") add("timing", "active-iteration", timingCfg.activeIteration, issue.iteration?.name);
  else if (it === "next") add("timing", "next-iteration", timingCfg.nextIteration, issue.iteration?.name);

  const clamp = (x: number) => Math.max(1, Math.min(5, Math.round(x)));
  return { impact: clamp(raw.impact), evidence: clamp(raw.evidence), confidence: clamp(raw.confidence), timing: clamp(raw.timing), reasons };
}
