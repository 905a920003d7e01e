/** `backlog-audit rules check PACK` and `backlog-audit rules test PACK --labelled FILE`. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { classify, compilePack, formatIssue, RulePackError, type RulePack } from "../../rules";
import { LABELS, type Label } from "../../rules/engine/combine";
import { modelTrainedOnSha256, trainModel } from "../../rules/engine/model";
import { stratifiedFolds } from "../../rules/model/index";
import { issueFromJsonl } from "../core/import";
import type { Issue } from "../core/types";
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

const LabelSchema = z.enum(LABELS as [Label, ...Label[]]);

interface LabelledRow {
  issue: Issue;
  expected: Label;
}

function readLabelled(file: string): { rows: LabelledRow[]; sha256: string } {
  const text = readFileSync(file, "utf8");
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      const obj = JSON.parse(l) as Record<string, unknown>;
      const expected = LabelSchema.safeParse(obj.constraint ?? "none");
      if (!expected.success) throw new Error(`${file}:${i + 1}: constraint must be one of ${LABELS.join(", ")}`);
      return { issue: issueFromJsonl(obj), expected: expected.data };
    });
  return { rows, sha256: createHash("sha256").update(text).digest("hex") };
}

/**
 * Rows the shipped model was trained on besides the labelled file (seed phrases), found next to
 * the pack as `data/seed-phrases.jsonl` and matched by the hash the model records.
 */
function seedRowsFor(packFile: string, model: unknown): Array<{ title: string; body: string; constraint: Label }> {
  const want = (model as { trainedOn?: { seedSha256?: string } }).trainedOn?.seedSha256;
  if (!want) return [];
  const file = join(dirname(packFile), "data/seed-phrases.jsonl");
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  if (createHash("sha256").update(text).digest("hex") !== want) return [];
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const o = JSON.parse(l) as { title: string; body?: string; constraint: string };
      return { title: o.title, body: o.body ?? "", constraint: LabelSchema.parse(o.constraint) };
    });
}

export interface RulesTestOptions {
  labelled: string;
  folds: number;
  cv: boolean;
  json: boolean;
  noModel: boolean;
}

export function runRulesTest(path: string | undefined, opts: RulesTestOptions): number {
  const pack = loadPackFile(path);
  const { rows, sha256 } = readLabelled(opts.labelled);
  const useModel = pack.model !== null && !opts.noModel;
  const trainedHere = useModel && modelTrainedOnSha256(pack.model!) === sha256;
  const crossValidate = useModel && (opts.cv || trainedHere);
  const results: LabelledResult[] = new Array(rows.length);
  const toResult = (r: LabelledRow, c: ReturnType<typeof classify>): LabelledResult => ({ id: r.issue.key, title: r.issue.title, expected: r.expected, classification: c });

  let seedCount = 0;
  if (crossValidate) {
    // The same stratified, seeded folds the model's own training script reports (seed 1).
    const folds = stratifiedFolds(rows.map((r) => r.expected), opts.folds, 1);
    const hyper = (pack.model as unknown as { hyperparameters?: object }).hyperparameters;
    const seeds = seedRowsFor(pack.file, pack.model);
    seedCount = seeds.length;
    for (let f = 0; f < opts.folds; f++) {
      const train = [...rows.filter((_, i) => folds[i] !== f).map((r) => ({ title: r.issue.title, body: r.issue.body, constraint: r.expected })), ...seeds];
      const foldPack: RulePack = { ...pack, model: trainModel(train, hyper) };
      const compiled = compilePack(foldPack);
      rows.forEach((r, i) => {
        if (folds[i] === f) results[i] = toResult(r, classify(compiled, r.issue));
      });
    }
  } else {
    const compiled = compilePack(pack);
    rows.forEach((r, i) => (results[i] = toResult(r, classify(compiled, r.issue, { noModel: opts.noModel }))));
  }
  const metrics = computeMetrics(results, pack.writeBackThreshold);
  const mode = !useModel
    ? "rules only"
    : crossValidate
      ? `rules + model, ${opts.folds}-fold cross-validation (model retrained per fold${seedCount ? ` on the other folds + ${seedCount} seed phrases` : ""}${trainedHere ? "; the pack's model was trained on this file" : ""})`
      : "rules + model as shipped";
  if (opts.json) console.log(JSON.stringify({ pack: pack.name, labelled: opts.labelled, mode, ...metrics }));
  else console.log(formatMetrics(metrics, `${pack.name} on ${opts.labelled}: ${mode}`));
  return 0;
}
