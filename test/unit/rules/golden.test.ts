/**
 * Golden snapshot of every verdict: classification (with and without the model),
 * scores, model probabilities and both body cleaners, for the real rows of
 * rules/data, the import fixtures and synthetic noisy issues (see golden-corpus.ts).
 * Performance work on the engine and the model must keep this byte-identical.
 *
 * Regenerate (only when a verdict change is intended): UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/rules/golden.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classify, cleanBody, compilePack, loadDefaultPack, scoreIssue } from "../../../rules";
import { cleanBody as modelCleanBody, predict } from "../../../rules/model/index";
import { goldenIssues } from "./golden-corpus";

const FILE = new URL("./__golden__/classify.json", import.meta.url).pathname;

function fnv(text: string): string {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

function digest(value: unknown): string {
  const json = JSON.stringify(value);
  return `${fnv(json)}:${json.length}`;
}

/** Rounds every number to 6 decimals (9 for model probabilities) so the file is stable and readable. */
function round(value: unknown, digits = 6): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? value : Number(value.toFixed(digits));
  if (Array.isArray(value)) return value.map((v) => round(v, digits));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, round(v, digits)]));
  return value;
}

function snapshot(): Array<Record<string, unknown>> {
  const pack = loadDefaultPack();
  const withModel = compilePack(pack);
  const rulesOnly = compilePack({ ...pack, model: null });
  return goldenIssues().map(({ name, issue }) => {
    const c = classify(withModel, issue);
    const scores = scoreIssue(withModel, issue, c, { dominant: null });
    const aligned = scoreIssue(withModel, issue, c, { dominant: "reliability" });
    const noModel = classify(withModel, issue, { noModel: true });
    const rules = classify(rulesOnly, issue);
    const rulesScores = scoreIssue(rulesOnly, issue, rules, { dominant: "activation" });
    const cleaned = cleanBody(issue.body ?? "");
    const model = pack.model ? predict(pack.model, { title: issue.title, body: issue.body ?? "" }) : null;
    // The verdict with its model and its scores in full; the variants as a summary plus a hash of the full value.
    return {
      name,
      classification: round(c),
      scores: round(scores),
      aligned: digest(round(aligned)),
      noModel: { constraint: noModel.constraint, confidence: noModel.confidence, all: digest(round(noModel)) },
      rules: { constraint: rules.constraint, confidence: rules.confidence, all: digest(round(rules)) },
      rulesScores: digest(round(rulesScores)),
      model: model ? { probs: round(model.probs, 9), top: digest(model.top) } : null,
      cleanedBody: fnv(cleaned.text),
      sections: [...cleaned.sections].map(([k, v]) => `${k}=${fnv(v)}`),
      modelCleanedBody: fnv(modelCleanBody(issue.body ?? "")),
    };
  });
}

describe("golden classification snapshot", () => {
  const actual = snapshot();
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(FILE, `[\n${actual.map((e) => JSON.stringify(e)).join(",\n")}\n]\n`);
  if (!existsSync(FILE)) throw new Error(`missing ${FILE}: generate it with UPDATE_GOLDEN=1 (from code whose verdicts are known good)`);
  const expected = JSON.parse(readFileSync(FILE, "utf8")) as Array<Record<string, unknown>>;

  it("covers the same issues", () => {
    expect(actual.map((e) => e.name)).toEqual(expected.map((e) => e.name));
    expect(actual.length).toBeGreaterThan(700);
  });

  it("exercises abstentions, every decider and the model", () => {
    const decided = new Set(actual.map((e) => (e.classification as { decidedBy: string }).decidedBy));
    expect([...decided].sort()).toEqual(["label", "model", "rules"]);
    expect(actual.some((e) => (e.classification as { constraint: unknown }).constraint === null)).toBe(true);
  });

  it.each(expected.map((e, i) => [e.name as string, i] as const))("%s", (_name, i) => {
    expect(actual[i]).toEqual(expected[i]);
  });
});
