/**
 * Does a second confidence signal write more labels at the target precision? Compares the
 * shipped calibration (isotonic on the verdict's raw confidence) with calibrations that also read
 * whether the rules and the model agree, the margin to the runner-up, or the tracker, each
 * cross-fitted on grouped out-of-fold verdicts (the calibration of a fold is fitted on the other
 * folds only), on several fold assignments. Measurement only: nothing is written.
 *
 *   node --import tsx scripts/calibration-signals.ts [fold seeds...]   # default 1 2 3
 *
 * The signals are read from the verdict's reasons, as `classify` returns them: the constraints of
 * the rules that voted, and the model's own best label (its reasons' constraint).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Calibration } from "../rules/model/schema";
import { loadPackFromString } from "../rules/index";
import { fitCalibration, gridCurve, packOutOfFold, rawVerdictPack, reliability, type EvalRow, type Scored } from "../rules/evaluate";
import { applyCalibration, chooseThreshold } from "../rules/engine/calibration";
import { groupedFolds } from "../rules/model/index";
import { readLabelledFile, readSeedFile } from "../src/cli/labelled";

const root = `${resolve(import.meta.dirname, "..")}/`;
const LABELLED = ["dev.jsonl", "train-github.jsonl", "train-jira.jsonl"].map((f) => `${root}rules/data/${f}`);
const K = 10;
/** A bucket with fewer out-of-fold verdicts than this is calibrated by the pooled map. */
const MIN_BUCKET = 50;

/** One out-of-fold verdict that names a constraint, with the signals `classify` exposes. */
interface Verdict {
  fold: number;
  tracker: string;
  correct: boolean;
  confidence: number;
  runnerUp: number;
  /** Rule reasons for the verdict's constraint, and for other constraints. */
  rulesFor: number;
  rulesAgainst: number;
  /** The model's own best label is the verdict's constraint. */
  modelAgrees: boolean;
}

interface Variant {
  name: string;
  bucket: (v: Verdict) => string;
  score: (v: Verdict) => number;
  /** Logistic regression on all the signals, then isotonic on its output. */
  stack?: boolean;
}

const agree = (v: Verdict) => v.rulesFor > 0 && v.modelAgrees;
const raw = (v: Verdict) => v.confidence;
const margin = (v: Verdict) => Math.max(0, v.confidence - v.runnerUp);
const VARIANTS: Variant[] = [
  { name: "isotonic(raw) (shipped)", bucket: () => "all", score: raw },
  { name: "isotonic(raw) per agree / not", bucket: (v) => (agree(v) ? "agree" : "not"), score: raw },
  {
    name: "isotonic(raw) per 4 agreement buckets",
    bucket: (v) => `${v.rulesFor > 0 ? "rules" : v.rulesAgainst > 0 ? "rules-against" : "no-rule"}/${v.modelAgrees ? "model" : "model-against"}`,
    score: raw,
  },
  { name: "isotonic(raw) per rule fired for it / not", bucket: (v) => (v.rulesFor > 0 ? "rule" : "no-rule"), score: raw },
  { name: "isotonic(raw) per model agrees / not", bucket: (v) => (v.modelAgrees ? "model" : "not"), score: raw },
  { name: "isotonic(top-two margin)", bucket: () => "all", score: margin },
  { name: "isotonic(top-two margin) per agree / not", bucket: (v) => (agree(v) ? "agree" : "not"), score: margin },
  { name: "isotonic(raw) per tracker", bucket: (v) => v.tracker, score: raw },
  { name: "logistic(all signals) + isotonic", bucket: () => "all", score: raw, stack: true },
];

function logit(p: number): number {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
}

function features(v: Verdict): number[] {
  return [
    1,
    logit(v.confidence),
    logit(v.runnerUp),
    agree(v) ? 1 : 0,
    v.rulesFor > 0 ? 1 : 0,
    v.modelAgrees ? 1 : 0,
    v.rulesAgainst === 0 ? 1 : 0,
    Math.log1p(v.rulesFor),
    Math.log1p(v.rulesAgainst),
  ];
}

/** Plain logistic regression by gradient descent (a few hundred rows, nine features). */
function fitLogistic(xs: number[][], ys: boolean[]): number[] {
  const d = xs[0]?.length ?? 0;
  const w = new Array<number>(d).fill(0);
  for (let it = 0; it < 2000; it++) {
    const g = new Array<number>(d).fill(0);
    xs.forEach((x, i) => {
      const p = 1 / (1 + Math.exp(-dot(x, w)));
      for (let j = 0; j < d; j++) g[j]! += ((p - (ys[i] ? 1 : 0)) * x[j]!) / xs.length;
    });
    for (let j = 0; j < d; j++) w[j]! -= 0.5 * (g[j]! + (j > 0 ? 0.001 * w[j]! : 0));
  }
  return w;
}

function dot(x: number[], w: number[]): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j]! * w[j]!;
  return s;
}

const toScored = (score: (v: Verdict) => number) => (v: Verdict) => ({ score: score(v), correct: v.correct });

/** Each verdict's calibrated confidence, from maps fitted on the other folds' verdicts only. */
function crossFit(verdicts: readonly Verdict[], variant: Variant): number[] {
  const out = new Array<number>(verdicts.length).fill(0);
  const k = Math.max(...verdicts.map((v) => v.fold)) + 1;
  for (let f = 0; f < k; f++) {
    const others = verdicts.filter((v) => v.fold !== f);
    let score = variant.score;
    if (variant.stack) {
      const w = fitLogistic(
        others.map(features),
        others.map((v) => v.correct),
      );
      score = (v) => 1 / (1 + Math.exp(-dot(features(v), w)));
    }
    const pooled = fitCalibration(others.map(toScored(score)));
    const byBucket = new Map<string, Verdict[]>();
    for (const v of others) byBucket.set(variant.bucket(v), [...(byBucket.get(variant.bucket(v)) ?? []), v]);
    const maps = new Map<string, Calibration>();
    for (const [b, vs] of byBucket) maps.set(b, vs.length >= MIN_BUCKET ? fitCalibration(vs.map(toScored(score))) : pooled);
    verdicts.forEach((v, i) => {
      if (v.fold === f) out[i] = Math.round(applyCalibration(maps.get(variant.bucket(v)) ?? pooled, score(v)) * 1000) / 1000;
    });
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function main(): void {
  const rows: EvalRow[] = LABELLED.map(readLabelledFile).flatMap((f) => f.rows);
  const seeds = readSeedFile(`${root}rules/data/seed-phrases.jsonl`);
  const pack = loadPackFromString(readFileSync(`${root}rules/default.yaml`, "utf8"), "rules/default.yaml", {
    readModel: () => JSON.parse(readFileSync(`${root}rules/model.json`, "utf8")),
  });
  const foldSeeds = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1, 2, 3];
  const byTracker = (t: string) => rows.filter((r) => r.tracker === t).length;
  for (const seed of foldSeeds) {
    const folds = groupedFolds(
      rows.map((r) => r.group),
      K,
      seed,
    );
    const oof = packOutOfFold(rawVerdictPack(pack), rows, folds, { extraTrainRows: seeds.rows });
    const verdicts: Verdict[] = [];
    const rowOf: number[] = [];
    oof.forEach((c, i) => {
      if (c.constraint === null) return;
      let rulesFor = 0;
      let rulesAgainst = 0;
      let model: string | null = null;
      for (const r of c.reasons) {
        if (r.source === "rule") r.constraint === c.constraint ? rulesFor++ : rulesAgainst++;
        else if (r.source === "model") model = r.constraint;
      }
      const row = rows[i]!;
      verdicts.push({
        fold: folds[i]!,
        tracker: row.tracker,
        correct: c.constraint === row.expected,
        confidence: c.confidence,
        runnerUp: c.runnerUp?.confidence ?? 0,
        rulesFor,
        rulesAgainst,
        modelAgrees: model === c.constraint,
      });
      rowOf.push(i);
    });
    console.log(`\nfold seed ${seed}: ${rows.length} rows, ${verdicts.length} verdicts (${verdicts.filter(agree).length} where rules and model agree)`);
    // Why agreement adds little: at the same raw confidence, are verdicts the two agree on more often right?
    const bands = [0, 0.7, 0.85, 0.93, 0.98, 1.01];
    const share = (vs: Verdict[]) => (vs.length ? `${pct(vs.filter((v) => v.correct).length / vs.length)} of ${vs.length}` : "-");
    for (let b = 0; b + 1 < bands.length; b++) {
      const band = verdicts.filter((v) => v.confidence >= bands[b]! && v.confidence < bands[b + 1]!);
      console.log(
        `  raw ${bands[b]!.toFixed(2)}-${Math.min(1, bands[b + 1]!).toFixed(2)}: right where they agree ${share(band.filter(agree))}, elsewhere ${share(band.filter((v) => !agree(v)))}`,
      );
    }
    console.log(`${"calibration".padEnd(44)} accuracy github  jira    threshold precision coverage labels  ECE`);
    for (const variant of VARIANTS) {
      const calibrated = crossFit(verdicts, variant);
      // As `classify` does: below the pack's abstain threshold a verdict abstains (counts as `none`).
      const right = new Map<string, number>();
      const kept: Scored[] = [];
      const verdictAt = new Map(rowOf.map((r, j) => [r, j]));
      rows.forEach((row, i) => {
        const j = verdictAt.get(i);
        const says = j !== undefined && calibrated[j]! >= pack.threshold ? oof[i]!.constraint : null;
        if (j !== undefined && says !== null) kept.push({ score: calibrated[j]!, correct: verdicts[j]!.correct });
        if ((says ?? "none") === row.expected) for (const key of ["all", row.tracker]) right.set(key, (right.get(key) ?? 0) + 1);
      });
      const op = chooseThreshold(gridCurve(kept, rows.length), pack.writeBack.targetPrecision);
      console.log(
        `${variant.name.padEnd(44)} ${pct((right.get("all") ?? 0) / rows.length).padStart(7)}  ${pct((right.get("github") ?? 0) / byTracker("github")).padStart(6)}  ${pct((right.get("jira") ?? 0) / byTracker("jira")).padStart(6)}  ${op ? op.threshold.toFixed(2).padStart(9) : "        -"} ${op ? pct(op.precision).padStart(9) : "        -"} ${op ? pct(op.coverage).padStart(8) : "       -"} ${String(op?.rows ?? 0).padStart(6)}  ${reliability(kept).ece.toFixed(3)}`,
      );
    }
  }
}

main();
