/**
 * Classification: human constraint labels first, then rule votes blended with
 * the optional text model (see `combine.ts`), with an explanation.
 */
import { CONSTRAINTS, type Classification, type Constraint, type Issue, type Reason } from "../../domain/types";
import { evaluatePack, textWords, type CompiledPack } from "./compile";
import { combineArrays, LABEL_INDEX, LABELS } from "./combine";
import { compiledModel, type CompiledModel } from "./model";
import { WordList } from "./lexicon";
import { labelText } from "../model/tokenize";
import { applyCalibration } from "./calibration";

/** Vote weight at which rules hold 63% of the say. */
export const RULE_SCALE = 2;

/** A human-applied `<prefix><constraint>` label, if any. */
export function constraintFromLabels(labels: readonly string[], prefix: string): { label: string; constraint: Constraint } | null {
  if (labels.length === 0) return null;
  // Cheap reject before the memo: an ASCII letter that differs (in any case) from the prefix's first letter.
  const p0 = prefix.charCodeAt(0) | 32;
  const letterPrefix = p0 >= 97 && p0 <= 122;
  let memo: Map<string, Constraint | null> | undefined;
  for (const label of labels) {
    if (letterPrefix) {
      const f = label.charCodeAt(0) | 32;
      if (f >= 97 && f <= 122 && f !== p0) continue;
    }
    // Label names repeat across a backlog: memoize each name's meaning per prefix (bounded).
    if (memo === undefined) {
      memo = labelMemo.get(prefix);
      if (memo === undefined) labelMemo.set(prefix, (memo = new Map()));
    }
    let c = memo.get(label);
    if (c === undefined) {
      c = labelConstraint(label, prefix);
      if (memo.size >= LABEL_MEMO_LIMIT) memo.clear();
      memo.set(label, c);
    }
    if (c !== null) return { label, constraint: c };
  }
  return null;
}

const LABEL_MEMO_LIMIT = 4096;
const labelMemo = new Map<string, Map<string, Constraint | null>>();

function labelConstraint(label: string, prefix: string): Constraint | null {
  const p = prefix.toLowerCase();
  const l = label.toLowerCase().trim();
  if (!l.startsWith(p)) return null;
  const rest = l.slice(p.length).trim();
  return CONSTRAINTS.find((x) => x === rest) ?? null;
}

export interface ClassifyOptions {
  /** Skip the model even when the pack has one (for rule-only figures). */
  noModel?: boolean;
  /** Receives the blended distribution over `LABELS` (five constraints, then `none`; uncalibrated), for a workspace adaptation on top. Untouched when a human label decides. */
  distribution?: Float64Array;
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
  const votes = VOTES.fill(0);
  const reasons: Reason[] = [];
  for (const f of evaluation.fired) {
    if (f.voteAt < 0) continue;
    votes[f.voteAt]! += f.weight;
    for (const r of f.reasons) reasons.push(r);
  }
  const cm = pack.model && !opts.noModel ? modelOf(compiled, pack.model) : null;
  const best = cm ? modelProbabilities(compiled, cm, issue) : -1;
  // With a calibration the abstain threshold applies to the calibrated confidence, below. The
  // calibration was measured on rules + model, so a rules-only call reads the raw blend.
  const calibrated = pack.calibration !== null;
  const combineOptions = (compiled.combine ??= {
    threshold: calibrated ? 0 : pack.threshold,
    modelWeight: pack.modelWeight,
    ruleWeight: pack.ruleWeight,
    ruleScale: RULE_SCALE,
  });
  const combined = combineArrays(votes, cm ? PROBS : null, combineOptions, DIST);
  if (opts.distribution) opts.distribution.set(DIST);
  let constraint = combined.constraint;
  let confidence = combined.confidence;
  let runnerUp = combined.runnerUp;
  if (calibrated) {
    // The probability that the verdict is right, measured out of fold (see rules/evaluate.ts).
    if (cm) confidence = round(applyCalibration(pack.calibration, confidence));
    if (constraint !== null && confidence < pack.threshold) {
      runnerUp = { constraint, confidence };
      constraint = null;
    } else if (constraint === null && runnerUp) runnerUp = { constraint: runnerUp.constraint, confidence };
  }
  if (cm) {
    const n = cm.top(best, TOP_ROWS, TOP_WEIGHTS);
    const label = cm.labels[best]!;
    const modelConstraint = label === "none" ? null : label;
    for (let k = 0; k < n; k++) {
      // Rounded as `contributions` rounds (4 places), then to 3 places for the reason.
      const weight = round(Math.round(TOP_WEIGHTS[k]! * 1e4) / 1e4);
      reasons.push({ ruleId: "model", source: "model", constraint: modelConstraint, weight, field: "text", match: cm.token(TOP_ROWS[k]!) });
    }
  }
  return { constraint, confidence, runnerUp, decidedBy: combined.decidedBy, reasons };
}

// Scratch arrays in `LABELS` order, reused by every call (classification is synchronous and keeps none of them).
const VOTES = new Float64Array(LABELS.length);
const PROBS = new Float64Array(LABELS.length);
const DIST = new Float64Array(LABELS.length);
const TOP_ROWS = new Int32Array(5);
const LABEL_WORDS = new WordList();
const TOP_WEIGHTS = new Float64Array(5);
let modelOut = new Float64Array(LABELS.length);

/**
 * The compiled model, its reader of the pack's scanned words and its label map, cached on the
 * compiled pack (no map lookups per issue).
 */
function modelOf(compiled: CompiledPack, model: NonNullable<CompiledPack["pack"]["model"]>): CompiledModel {
  let m = compiled.model;
  if (m === null || m.source !== model) {
    const cm = compiledModel(model);
    const labelAt = Int32Array.from(cm.labels, (l) => LABEL_INDEX[l] ?? -1);
    m = compiled.model = { source: model, compiled: cm, reader: cm.reader(compiled.lexicon), labelAt };
  }
  return m.compiled;
}

/**
 * Runs the model on the issue `evaluatePack` just evaluated into `PROBS` (`LABELS` order,
 * 0 for a label the model lacks); returns the model's best label index.
 */
function modelProbabilities(compiled: CompiledPack, cm: CompiledModel, issue: Issue): number {
  if (modelOut.length < cm.labels.length) modelOut = new Float64Array(cm.labels.length);
  const { reader, labelAt } = compiled.model!;
  reader.begin();
  const title = textWords(compiled, 0);
  if (title !== null) reader.add(title, 0);
  if (cm.labelWords && issue.labels.length > 0) {
    // The labels' words, scanned by the pack's lexicon like the title and body (see labelText).
    compiled.lexicon.scan(labelText(issue.labels), LABEL_WORDS);
    reader.add(LABEL_WORDS, 1);
  }
  const body = textWords(compiled, 1);
  if (body !== null) reader.add(body, 1);
  const best = reader.finish(modelOut);
  PROBS.fill(0);
  for (let c = 0; c < labelAt.length; c++) if (labelAt[c]! >= 0) PROBS[labelAt[c]!] = modelOut[c]!;
  return best;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
