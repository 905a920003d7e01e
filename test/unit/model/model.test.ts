import { classify, compilePack, loadPackFromString, type RulePack } from "../../../rules";
import { issueFromJsonl } from "../../../src/core/import";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compileModel,
  crossValidate,
  docTokens,
  featureVector,
  LABELS,
  loadModel,
  predict,
  train,
  type Label,
  type LabelledRow,
  type ModelKind,
  type TextModel,
} from "../../../rules/model/index";

const SYNTHETIC: LabelledRow[] = [
  { title: "Signup verification email never arrives", body: "new users cannot finish onboarding", constraint: "activation" },
  { title: "Onboarding wizard confusing for new users", body: "signup then empty state", constraint: "activation" },
  { title: "Install fails during first setup", body: "onboarding blocked", constraint: "activation" },
  { title: "Add export to CSV in reports", body: "feature request for the reports page", constraint: "adoption" },
  { title: "Feature request: dark mode in settings", body: "users ask for this feature", constraint: "adoption" },
  { title: "Slack integration feature", body: "request to integrate notifications", constraint: "adoption" },
  { title: "Dashboard crash with 500 error", body: "bug: page crashes and times out", constraint: "reliability" },
  { title: "Slow query timeout bug", body: "error when loading, crash", constraint: "reliability" },
  { title: "Flaky test fails randomly", body: "bug in test suite, crash", constraint: "reliability" },
  { title: "Admin tool to impersonate customers", body: "support team manual work", constraint: "operations" },
  { title: "Bulk import users for admin", body: "support does this manually today", constraint: "operations" },
  { title: "Moderation queue for admin support", body: "manual review by support", constraint: "operations" },
  { title: "CI pipeline too slow", body: "refactor build and upgrade dependencies", constraint: "throughput" },
  { title: "Upgrade React and refactor build", body: "tech debt in the CI pipeline", constraint: "throughput" },
  { title: "Migrate build to vite", body: "faster CI and refactor", constraint: "throughput" },
  { title: "Question: is this maintained?", body: "just a question, thanks", constraint: "none" },
  { title: "Duplicate question", body: "question already asked, duplicate", constraint: "none" },
];

const KINDS: ModelKind[] = ["multinomial-nb", "complement-nb", "logistic-regression", "blend"];
const argmax = (probs: Record<Label, number>): Label => LABELS.reduce((best, l) => ((probs[l] ?? 0) > (probs[best] ?? 0) ? l : best), LABELS[0] as Label);

describe.each(KINDS)("train + predict (%s)", (kind) => {
  const model = train(SYNTHETIC, { kind, minCount: 1 });

  it.each([
    ["Verification email missing after signup", "activation"],
    ["Please add a feature to export reports", "adoption"],
    ["Crash with error on dashboard", "reliability"],
    ["Admin tool so support stops manual work", "operations"],
    ["Refactor the slow CI build", "throughput"],
  ] as const)("%s -> %s", (title, expected) => {
    expect(argmax(predict(model, { title, body: "" }).probs)).toBe(expected);
  });

  it("returns probabilities for every label that sum to 1", () => {
    const { probs } = predict(model, { title: "Crash on signup", body: "some text" });
    expect(Object.keys(probs).sort()).toEqual([...LABELS].sort());
    expect(Object.values(probs).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    for (const p of Object.values(probs)) expect(p).toBeGreaterThanOrEqual(0);
  });

  it("explains with at most 5 tokens that occur in the input and push toward the winner", () => {
    const input = { title: "Dashboard crash, 500 error and timeout", body: "bug: slow query, crash again" };
    const { probs, top } = predict(model, input);
    const doc = docTokens(input, model.hyperparameters);
    const present = new Set([...doc.title, ...doc.body]);
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(5);
    for (const t of top) {
      expect(present.has(t.token)).toBe(true);
      expect(t.constraint).toBe(argmax(probs));
      expect(t.weight).toBeGreaterThan(0);
    }
  });

  it("is deterministic: same rows and seed give the same JSON", () => {
    expect(JSON.stringify(train(SYNTHETIC, { kind, minCount: 1, seed: 7 }))).toBe(JSON.stringify(train(SYNTHETIC, { kind, minCount: 1, seed: 7 })));
  });

  it("compiled probabilities match predict()", () => {
    const fast = compileModel(model);
    const out = new Float64Array(fast.labels.length);
    const input = { title: "Upgrade the CI build", body: "```\ncode\n```\nslow pipeline" };
    const best = fast.probabilities(input, out);
    const { probs } = predict(model, input);
    fast.labels.forEach((l, i) => expect(out[i]).toBeCloseTo(probs[l], 12));
    expect(fast.labels[best]).toBe(argmax(probs));
  });
});

/** Reference scorer built on the training-side featurization, independent of compile.ts. */
function referenceProbs(model: TextModel, input: { title: string; body: string; labels?: string[] }): number[] {
  const x = featureVector(docTokens(input, model.hyperparameters), model.hyperparameters, {
    has: (t: string) => t in model.features,
  });
  const scores = model.bias.map((b, c) => {
    let s = b;
    for (const [t, v] of x) s += v * ((model.features[t] as number[])[c] as number);
    return s / model.hyperparameters.temperature;
  });
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

describe("compiled predictor agrees with the training featurization", () => {
  const inputs = [
    { title: "Upgrade the CI build, CI is slow", body: "```\ncode\n```\nslow slow pipeline https://x.io/a/b build" },
    { title: "Crash crash on signup", body: "> quoted\nsignup email never arrives; the signup page crashes with an error" },
    { title: "", body: "admin support manual import of users, support again and again" },
  ];
  it.each([
    ["binary", "none", 400],
    ["count", "title", 400],
    ["log-l2", "all", 400],
    ["binary", "all", 3],
  ] as const)("transform %s, bigrams %s, maxBodyTokens %d", (transform, bigrams, maxBodyTokens) => {
    const model = train(SYNTHETIC, { kind: "logistic-regression", minCount: 1, transform, bigrams, maxBodyTokens, titleWeight: 2 });
    for (const input of inputs) {
      const probs = predict(model, input).probs;
      referenceProbs(model, input).forEach((p, c) => expect(probs[model.labels[c] as Label]).toBeCloseTo(p, 10));
    }
  });

  it("reads the tracker's labels as body words when trained with labelWords, in both paths and inside the pack", () => {
    const rows = SYNTHETIC.map((r, i) => ({ ...r, labels: i % 2 ? ["bug", "area/billing"] : ["enhancement"] }));
    for (const [bigrams, maxBodyTokens] of [
      ["none", 400],
      ["all", 400],
      ["title", 2],
    ] as const) {
      const model = train(rows, { kind: "logistic-regression", minCount: 1, labelWords: true, bigrams, maxBodyTokens });
      for (const input of [...inputs.map((x) => ({ ...x, labels: ["bug", "good first issue", "area/billing"] })), { title: "Crash", body: "", labels: [] }]) {
        const probs = predict(model, input).probs;
        referenceProbs(model, input).forEach((p, c) => expect(probs[model.labels[c] as Label]).toBeCloseTo(p, 10));
      }
      // The labels move the verdict only for a model that reads them.
      const withLabels = predict(model, { title: "Something", body: "", labels: ["bug"] }).probs;
      const without = predict(model, { title: "Something", body: "" }).probs;
      expect(withLabels).not.toEqual(without);
      const blind = train(rows, { kind: "logistic-regression", minCount: 1, bigrams, maxBodyTokens });
      expect(predict(blind, { title: "Something", body: "", labels: ["bug"] }).probs).toEqual(predict(blind, { title: "Something", body: "" }).probs);
    }
    // Classified with a pack, the model reads the issue's labels from the engine's own scan.
    const model = train(rows, { kind: "logistic-regression", minCount: 1, labelWords: true });
    const pack: RulePack = { ...loadPackFromString("version: 1\nrules: []\n", "p.yaml"), model, modelWeight: 1, ruleWeight: 0.5, threshold: 0 };
    const compiled = compilePack(pack);
    const issue = issueFromJsonl({ id: "x#1", title: "Something odd", body: "it happens", labels: ["bug", "area/billing"] });
    const c = classify(compiled, issue);
    const ref = referenceProbs(model, { title: issue.title, body: issue.body, labels: issue.labels });
    expect(c.constraint).toBe(model.labels[ref.indexOf(Math.max(...ref))]);
    const unlabelled = classify(compiled, issueFromJsonl({ id: "x#2", title: "Something odd", body: "it happens" }));
    expect({ constraint: c.constraint, confidence: c.confidence }).not.toEqual({ constraint: unlabelled.constraint, confidence: unlabelled.confidence });
  });

  it("stays correct after its word table fills up and is reset", () => {
    const model = train(SYNTHETIC, { minCount: 1 });
    const fast = compileModel(model);
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const word = (i: number) => `zq${letters[i % 26]}${letters[Math.floor(i / 26) % 26]}${letters[Math.floor(i / 676) % 26]}`;
    const flood = Array.from({ length: 40_000 }, (_, i) => word(i)).join(" ");
    const input = { title: "Crash on signup", body: "flaky test crash" };
    const before = fast.predict(input).probs;
    fast.predict({ title: "flood", body: flood });
    expect(fast.predict(input).probs).toEqual(before);
  });
});

describe("train", () => {
  it("prunes tokens seen in fewer than minCount rows", () => {
    const model = train(SYNTHETIC, { minCount: 2 });
    expect(model.features["crash"]).toBeDefined();
    expect(model.features["vite"]).toBeUndefined();
  });

  it("records metadata and hyperparameters", () => {
    const model = train(SYNTHETIC, { kind: "logistic-regression", l2: 0.02 });
    expect(model).toMatchObject({ version: 1, kind: "logistic-regression", trainedOn: { rows: SYNTHETIC.length } });
    expect(model.hyperparameters.l2).toBe(0.02);
  });
});

describe("loadModel", () => {
  const good = train(SYNTHETIC, { minCount: 1 });

  it("accepts a trained model after a JSON round trip", () => {
    const loaded = loadModel(JSON.parse(JSON.stringify(good)));
    expect(predict(loaded, { title: "crash", body: "" }).probs).toEqual(predict(good, { title: "crash", body: "" }).probs);
  });

  it("accepts the shipped rules/model.json", () => {
    const json: unknown = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../../rules/model.json"), "utf8"));
    const model = loadModel(json);
    expect(model.trainedOn.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(argmax(predict(model, { title: "Verification email never received after sign up", body: "" }).probs)).toBe("activation");
  });

  it.each([
    ["not an object", "hello", /rules\/model\.json is not a valid text model \(\(root\): /],
    ["wrong version", { ...good, version: 2 }, /version: /],
    ["unknown kind", { ...good, kind: "svm" }, /kind: /],
    ["bias of the wrong length", { ...good, bias: [0, 1] }, /bias: expected 6 weights, got 2/],
    ["feature of the wrong length", { ...good, features: { crash: [1, 2, 3] } }, /features\.crash: expected 6 weights, got 3/],
    ["non-numeric weight", { ...good, features: { crash: [1, 2, 3, 4, 5, "x"] } }, /features\.crash\.5: /],
    ["missing trainedOn", { ...good, trainedOn: undefined }, /trainedOn: /],
  ])("rejects %s with a clear message", (_name, json, message) => {
    expect(() => loadModel(json, "rules/model.json")).toThrow(message);
  });
});

describe("crossValidate", () => {
  // Each row carries a unique token; with minCount 1 a model trained on a row has that token.
  const rows: LabelledRow[] = SYNTHETIC.flatMap((r, i) => [
    { ...r, body: `${r.body} uniq${"abcdefghijklmnopqrstuvwxyz"[i % 26]}a${"abcdefghijklmnopqrstuvwxyz"[Math.floor(i / 26)]}` },
    { ...r, title: `${r.title} again`, body: `${r.body} uniq${"abcdefghijklmnopqrstuvwxyz"[i % 26]}b` },
  ]);
  const uniqueToken = (row: LabelledRow) => (row.body.match(/uniq[a-z]+/) as RegExpMatchArray)[0];

  it("never scores a row with a model trained on it, and scores every row once", () => {
    const scored: number[] = [];
    const cv = crossValidate(
      rows,
      3,
      1,
      (model: TextModel, row, index) => {
        scored.push(index);
        expect(model.features[uniqueToken(row)]).toBeUndefined();
        return "none";
      },
      { train: { minCount: 1 } },
    );
    expect(scored.sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    expect(cv.predictions.map((p) => p.index)).toEqual(rows.map((_, i) => i));
    // and the row's own token is in the other folds' models: the check above can fail
    const trainedOn = train(rows, { minCount: 1 });
    expect(trainedOn.features[uniqueToken(rows[0] as LabelledRow)]).toBeDefined();
  });

  it("stratifies: every fold holds each label within one of its share", () => {
    const { folds } = crossValidate(rows, 3, 5, () => null);
    for (const label of LABELS) {
      const perFold = [0, 1, 2].map((f) => rows.filter((r, i) => r.constraint === label && folds[i] === f).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
  });

  it("is deterministic for a seed and counts null as none", () => {
    const classify = (model: TextModel, row: LabelledRow) => {
      const label = argmax(predict(model, row).probs);
      return label === "none" ? null : label;
    };
    const a = crossValidate(rows, 3, 2, classify, { train: { minCount: 1 } });
    const b = crossValidate(rows, 3, 2, classify, { train: { minCount: 1 } });
    expect(a).toEqual(b);
    const expected = a.predictions.filter((p) => (p.predicted ?? "none") === rows[p.index]?.constraint).length / rows.length;
    expect(a.accuracy).toBe(expected);
    expect(crossValidate(rows, 3, 3, classify).folds).not.toEqual(a.folds);
  });

  it("trains on extra rows in every fold without scoring them", () => {
    const extra: LabelledRow[] = [{ title: "extraordinaryzz", body: "", constraint: "adoption" }];
    let sawExtra = 0;
    const cv = crossValidate(
      rows,
      3,
      1,
      (model) => {
        if (model.features["extraordinaryzz"]) sawExtra++;
        return null;
      },
      { train: { minCount: 1 }, extraTrainRows: extra },
    );
    expect(sawExtra).toBe(rows.length);
    expect(cv.predictions).toHaveLength(rows.length);
  });

  it("rejects k < 2", () => {
    expect(() => crossValidate(rows, 1, 1, () => null)).toThrow(/k must be an integer >= 2/);
  });
});
