/** Evaluation figures for `rules test`: accuracy, per-label P/R/F1, confusion, write-back precision. Pure. */
import type { Classification } from "../../domain/types";
import { LABELS, type Label } from "../../rules/engine/combine";

export interface LabelledResult {
  id: string;
  title: string;
  expected: Label;
  classification: Classification;
}

export interface Metrics {
  rows: number;
  accuracy: number;
  perLabel: Record<Label, { precision: number; recall: number; f1: number; support: number }>;
  /** confusion[expected][predicted] */
  confusion: Record<Label, Record<Label, number>>;
  writeBack: { threshold: number; coverage: number; precision: number; rows: number };
  misclassified: Array<{ id: string; title: string; expected: Label; predicted: Label; confidence: number; reasons: string[] }>;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function computeMetrics(results: LabelledResult[], writeBackThreshold: number): Metrics {
  const confusion = Object.fromEntries(LABELS.map((e) => [e, Object.fromEntries(LABELS.map((p) => [p, 0]))])) as Metrics["confusion"];
  let correct = 0;
  let wb = 0;
  let wbCorrect = 0;
  const misclassified: Metrics["misclassified"] = [];
  for (const r of results) {
    const predicted: Label = r.classification.constraint ?? "none";
    confusion[r.expected][predicted]++;
    if (predicted === r.expected) correct++;
    else {
      misclassified.push({
        id: r.id,
        title: r.title,
        expected: r.expected,
        predicted,
        confidence: r.classification.confidence,
        reasons: r.classification.reasons.slice(0, 4).map((x) => `${x.ruleId}${x.match ? `: "${x.match.slice(0, 40)}"` : ""}`),
      });
    }
    if (r.classification.constraint && r.classification.confidence >= writeBackThreshold) {
      wb++;
      if (r.classification.constraint === r.expected) wbCorrect++;
    }
  }
  const perLabel = {} as Metrics["perLabel"];
  for (const l of LABELS) {
    const tp = confusion[l][l];
    const predicted = LABELS.reduce((n, e) => n + confusion[e][l], 0);
    const support = LABELS.reduce((n, p) => n + confusion[l][p], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    perLabel[l] = { precision: r3(precision), recall: r3(recall), f1: r3(precision + recall ? (2 * precision * recall) / (precision + recall) : 0), support };
  }
  const n = results.length || 1;
  return {
    rows: results.length,
    accuracy: r3(correct / n),
    perLabel,
    confusion,
    writeBack: { threshold: writeBackThreshold, coverage: r3(wb / n), precision: r3(wb ? wbCorrect / wb : 0), rows: wb },
    misclassified,
  };
}

/** Human-readable report. */
export function formatMetrics(m: Metrics, heading: string): string {
  const lines = [heading, `rows ${m.rows}  accuracy ${(m.accuracy * 100).toFixed(1)}% (abstain counted as none)`];
  lines.push(
    `write-back ≥ ${m.writeBack.threshold}: coverage ${(m.writeBack.coverage * 100).toFixed(1)}% (${m.writeBack.rows} rows), precision ${(m.writeBack.precision * 100).toFixed(1)}%`,
    "",
    "label        precision  recall   f1     support",
  );
  for (const l of LABELS) {
    const p = m.perLabel[l];
    lines.push(
      `${l.padEnd(12)} ${p.precision.toFixed(3).padStart(9)}  ${p.recall.toFixed(3).padStart(6)}  ${p.f1.toFixed(3).padStart(5)}  ${String(p.support).padStart(7)}`,
    );
  }
  lines.push("", "confusion (rows = expected, columns = predicted)", "".padEnd(12) + LABELS.map((l) => l.slice(0, 5).padStart(6)).join(""));
  for (const e of LABELS) lines.push(e.padEnd(12) + LABELS.map((p) => String(m.confusion[e][p]).padStart(6)).join(""));
  lines.push("", `misclassified (${m.misclassified.length})`);
  for (const x of m.misclassified) {
    lines.push(`  ${x.expected} → ${x.predicted} (${x.confidence}) ${x.id}: ${x.title.slice(0, 80)}`);
    if (x.reasons.length) lines.push(`      ${x.reasons.join("; ")}`);
  }
  return lines.join("\n");
}
