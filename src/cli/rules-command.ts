/** `backlog-audit rules check PACK` and `backlog-audit rules test PACK --labelled FILE…`. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { compilePack, classify, formatIssue, RulePackError, type RulePack } from "../../rules";
import {
  accuracyOf,
  crossFitCalibrated,
  gridCurve,
  packOutOfFold,
  rawVerdictPack,
  reliability,
  scoredVerdicts,
  type EvalRow,
  type ReliabilityBin,
  type TrainRow,
} from "../../rules/evaluate";
import { chooseThreshold } from "../../rules/engine/calibration";
import { groupedFolds, stratifiedFolds } from "../../rules/model/index";
import type { OperatingPoint } from "../../rules/model/schema";
import type { Classification } from "../../domain/types";
import { readLabelledFile, readSeedFile } from "./labelled";
import { loadPackFile } from "./load-pack";
import { computeMetrics, formatMetrics, type LabelledResult } from "./metrics";

export function runRulesCheck(path: string): number {
  try {
    const pack = loadPackFile(path);
    console.log(`${path}: ok (${pack.rules.length} rules${pack.model ? ", with model" : ""})`);
    return 0;
  } catch (e) {
    if (e instanceof RulePackError) {
      for (const i of e.issues) console.error(formatIssue(i));
      return 1;
    }
    throw e;
  }
}

/**
 * Rows the shipped model was trained on besides the labelled files (seed phrases), found next to
 * the pack as `data/seed-phrases.jsonl` and matched by the hash the model records.
 */
function seedRowsFor(packFile: string, model: unknown): TrainRow[] {
  const want = (model as { trainedOn?: { seedSha256?: string } }).trainedOn?.seedSha256;
  if (!want) return [];
  const file = join(dirname(packFile), "data/seed-phrases.jsonl");
  if (!existsSync(file)) return [];
  const seeds = readSeedFile(file);
  return seeds.sha256 === want ? seeds.rows : [];
}

/** Whether the pack's model was trained on any of these files (then only out-of-fold figures are honest). */
function trainedOnAny(model: unknown, hashes: string[]): boolean {
  const t = (model as { trainedOn?: { sha256?: string; files?: Array<{ sha256: string }> } }).trainedOn;
  if (!t) return false;
  const known = new Set([t.sha256, ...(t.files ?? []).map((f) => f.sha256)].filter(Boolean));
  return hashes.some((h) => known.has(h));
}

export interface RulesTestOptions {
  /** One or more labelled JSONL files. */
  labelled: string[];
  folds: number;
  cv: boolean;
  json: boolean;
  noModel: boolean;
  /** Skip the learning curve (three more grouped runs). */
  noCurve?: boolean;
}

interface Breakdown {
  name: string;
  rows: number;
  accuracy: number;
}

interface CvFigures {
  accuracy: number;
  byTracker: Breakdown[];
  bySource: Breakdown[];
}

export interface RulesTestReport {
  pack: string;
  labelled: string[];
  mode: string;
  rows: number;
  groups: number;
  /** The verdicts the detailed metrics are computed on: grouped out-of-fold when cross-validating. */
  metrics: ReturnType<typeof computeMetrics>;
  random: CvFigures | null;
  grouped: CvFigures;
  learningCurve: Array<{ fraction: number; accuracy: number }>;
  reliability: { bins: ReliabilityBin[]; ece: number };
  writeBack: {
    targetPrecision: number;
    /** The lowest threshold meeting the target on these rows (grouped, out of fold). */
    chosen: OperatingPoint | null;
    /** The pack's own threshold, measured on these rows. */
    pack: OperatingPoint & { source: string };
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function breakdown(results: readonly Classification[], rows: readonly EvalRow[], key: (r: EvalRow) => string): Breakdown[] {
  const names = [...new Set(rows.map(key))].sort();
  return names.map((name) => {
    const idx = rows.map((r, i) => (key(r) === name ? i : -1)).filter((i) => i >= 0);
    return {
      name,
      rows: idx.length,
      accuracy: round3(
        accuracyOf(
          idx.map((i) => results[i]!),
          idx.map((i) => rows[i]!),
        ),
      ),
    };
  });
}

function figures(results: readonly Classification[], rows: readonly EvalRow[]): CvFigures {
  return {
    accuracy: round3(accuracyOf(results, rows)),
    byTracker: breakdown(results, rows, (r) => r.tracker),
    bySource: breakdown(results, rows, (r) => r.source),
  };
}

/**
 * Out-of-fold verdicts as the pack gives them: with a calibrated pack, raw verdicts calibrated
 * by a map fitted on the other folds only; otherwise the verdicts as classified.
 */
function outOfFold(pack: RulePack, rows: EvalRow[], folds: number[], seeds: TrainRow[], trainFraction = 1): Classification[] {
  if (pack.calibration) {
    const raw = packOutOfFold(rawVerdictPack(pack), rows, folds, { extraTrainRows: seeds, trainFraction });
    return crossFitCalibrated(raw, rows, folds, pack.threshold);
  }
  return packOutOfFold(pack, rows, folds, { extraTrainRows: seeds, trainFraction });
}

export function rulesTest(path: string | undefined, opts: RulesTestOptions): RulesTestReport {
  const pack = loadPackFile(path);
  const files = opts.labelled.map(readLabelledFile);
  const rows = files.flatMap((f) => f.rows);
  const useModel = pack.model !== null && !opts.noModel;
  const trainedHere =
    useModel &&
    trainedOnAny(
      pack.model,
      files.map((f) => f.sha256),
    );
  const crossValidate = useModel && (opts.cv || trainedHere);
  const groups = new Set(rows.map((r) => r.group)).size;

  let random: CvFigures | null = null;
  let grouped: Classification[];
  let seedCount = 0;
  const learningCurve: RulesTestReport["learningCurve"] = [];
  if (crossValidate) {
    const seeds = seedRowsFor(pack.file, pack.model);
    seedCount = seeds.length;
    const gFolds = groupedFolds(
      rows.map((r) => r.group),
      opts.folds,
      1,
    );
    const rFolds = stratifiedFolds(
      rows.map((r) => r.expected),
      opts.folds,
      1,
    );
    random = figures(outOfFold(pack, rows, rFolds, seeds), rows);
    grouped = outOfFold(pack, rows, gFolds, seeds);
    if (!opts.noCurve) {
      for (const fraction of [0.25, 0.5]) learningCurve.push({ fraction, accuracy: round3(accuracyOf(outOfFold(pack, rows, gFolds, seeds, fraction), rows)) });
      learningCurve.push({ fraction: 1, accuracy: round3(accuracyOf(grouped, rows)) });
    }
  } else {
    const compiled = compilePack(pack);
    grouped = rows.map((r) => classify(compiled, r.issue, { noModel: opts.noModel }));
  }
  const results: LabelledResult[] = rows.map((r, i) => ({ id: r.issue.key, title: r.issue.title, expected: r.expected, classification: grouped[i]! }));
  const scored = scoredVerdicts(grouped, rows);
  const curve = gridCurve(scored, rows.length);
  const atPack = curve.find((p) => p.threshold >= pack.writeBackThreshold - 1e-9) ?? { threshold: pack.writeBackThreshold, precision: 0, coverage: 0, rows: 0 };
  const mode = !useModel
    ? "rules only"
    : crossValidate
      ? `rules + model, ${opts.folds}-fold cross-validation, the model retrained per fold${seedCount ? ` (+ ${seedCount} seed phrases)` : ""}${pack.calibration ? ", calibration fitted on the other folds" : ""}${trainedHere ? "; the pack's model was trained on these rows" : ""}`
      : "rules + model as shipped";
  return {
    pack: pack.name,
    labelled: opts.labelled,
    mode,
    rows: rows.length,
    groups,
    metrics: computeMetrics(results, pack.writeBackThreshold),
    random,
    grouped: figures(grouped, rows),
    learningCurve,
    reliability: reliability(scored),
    writeBack: {
      targetPrecision: pack.writeBack.targetPrecision,
      chosen: chooseThreshold(curve, pack.writeBack.targetPrecision),
      pack: { ...atPack, threshold: pack.writeBackThreshold, source: pack.writeBack.source },
    },
  };
}

export function formatRulesTest(r: RulesTestReport): string {
  const cv = r.random !== null;
  const lines = [`${r.pack} on ${r.labelled.join(", ")}: ${r.mode}`, `rows ${r.rows} from ${r.groups} teams (GitHub repository or Jira project)`, ""];
  const col = (b: Breakdown | undefined) => (b ? `${pct(b.accuracy).padStart(7)}` : "      -");
  lines.push(cv ? "accuracy (abstain = none)     random folds   grouped by team   rows" : "accuracy (abstain = none)     as shipped   rows");
  const line = (name: string, rnd: Breakdown | undefined, grp: Breakdown, n: number) =>
    lines.push(
      cv
        ? `  ${name.padEnd(28)} ${col(rnd).padStart(9)}      ${col(grp).padStart(9)}    ${String(n).padStart(5)}`
        : `  ${name.padEnd(28)} ${col(grp)}    ${String(n).padStart(5)}`,
    );
  line(
    "all",
    r.random ? { name: "all", rows: r.rows, accuracy: r.random.accuracy } : undefined,
    { name: "all", rows: r.rows, accuracy: r.grouped.accuracy },
    r.rows,
  );
  for (const b of r.grouped.byTracker)
    line(
      `tracker ${b.name}`,
      r.random?.byTracker.find((x) => x.name === b.name),
      b,
      b.rows,
    );
  for (const b of r.grouped.bySource)
    line(
      `file ${b.name}`,
      r.random?.bySource.find((x) => x.name === b.name),
      b,
      b.rows,
    );
  if (cv)
    lines.push(
      "  (random folds put a team's issues on both sides, so they grade the model on vocabulary it trained on; the grouped figures are the honest ones)",
    );
  if (r.learningCurve.length) {
    lines.push("", "learning curve (grouped; each fold trains on this share of its training rows)");
    for (const p of r.learningCurve) lines.push(`  ${String(p.fraction * 100).padStart(3)}%  ${pct(p.accuracy)}`);
  }
  lines.push(
    "",
    `reliability (${cv ? "grouped, out of fold" : "as shipped"}): confidence bins against observed precision`,
    "  confidence   verdicts   mean conf   precision",
  );
  for (const b of r.reliability.bins) {
    if (b.rows === 0) continue;
    lines.push(
      `  ${b.lo.toFixed(1)}–${b.hi.toFixed(1)}    ${String(b.rows).padStart(8)}   ${b.meanConfidence.toFixed(3).padStart(9)}   ${b.precision.toFixed(3).padStart(9)}`,
    );
  }
  lines.push(`  expected calibration error ${r.reliability.ece.toFixed(3)}`);
  const wb = r.writeBack;
  lines.push("", `write-back operating point (target precision ${pct(wb.targetPrecision)})`);
  lines.push(
    wb.chosen
      ? `  lowest threshold meeting it here: ${wb.chosen.threshold.toFixed(2)} → precision ${pct(wb.chosen.precision)}, coverage ${pct(wb.chosen.coverage)} (${wb.chosen.rows} labels)`
      : "  no threshold meets the target on these rows",
  );
  lines.push(
    `  the pack's threshold (${wb.pack.source}): ${wb.pack.threshold.toFixed(2)} → precision ${pct(wb.pack.precision)}, coverage ${pct(wb.pack.coverage)} (${wb.pack.rows} labels)`,
  );
  lines.push("", formatMetrics(r.metrics, cv ? "details (grouped, out of fold)" : "details"));
  return lines.join("\n");
}

export function runRulesTest(path: string | undefined, opts: RulesTestOptions): number {
  const report = rulesTest(path, opts);
  if (opts.json) console.log(JSON.stringify(report));
  else console.log(formatRulesTest(report));
  return 0;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
