import { describe, expect, it } from "vitest";
import { classify, combineVotes, compilePack, loadDefaultPack, loadPackFromString } from "../../../rules";
import { train } from "../../../rules/model/index";
import { issue } from "./helpers";

const pack = loadPackFromString(
  [
    "version: 1",
    "threshold: 0.5",
    "rules:",
    "  - { id: crash, when: { fact: title, keywords: [crash] }, then: { vote: { constraint: reliability, weight: 4 } } }",
    "  - { id: slow, when: { fact: title, keywords: [slow] }, then: { vote: { constraint: reliability, weight: 0.5 } } }",
    "  - { id: onboarding, when: { fact: title, keywords: [onboarding] }, then: { vote: { constraint: activation, weight: 4 } } }",
    "  - { id: question, when: { fact: title, keywords: [how do i] }, then: { vote: { constraint: none, weight: 4 } } }",
    "  - { id: score-only, when: { fact: title, keywords: [customer] }, then: { scores: { evidence: 1 } } }",
  ].join("\n"),
  "t.yaml",
);
const compiled = compilePack(pack);

describe("classify", () => {
  it("picks the constraint with the most vote weight, with a runner-up", () => {
    const c = classify(compiled, issue({ title: "Onboarding crash is slow" }));
    expect(c.constraint).toBe("reliability");
    expect(c.runnerUp?.constraint).toBe("activation");
    expect(c.decidedBy).toBe("rules");
    expect(c.reasons.map((r) => r.ruleId).sort()).toEqual(["crash", "onboarding", "slow"]);
  });

  it("abstains on a tie between two constraints", () => {
    expect(classify(compiled, issue({ title: "Onboarding crash" })).constraint).toBeNull();
  });

  it("is confident when one strong rule fires", () => {
    const c = classify(compiled, issue({ title: "Crash on save" }));
    expect(c).toMatchObject({ constraint: "reliability", decidedBy: "rules" });
    expect(c.confidence).toBeGreaterThan(0.8);
    expect(c.reasons[0]).toMatchObject({ ruleId: "crash", source: "rule", field: "title", match: "Crash", span: [0, 5], weight: 4 });
  });

  it("abstains below the threshold", () => {
    const c = classify(compiled, issue({ title: "A bit slow" }));
    expect(c.constraint).toBeNull();
    expect(c.confidence).toBeLessThan(0.5);
    expect(c.runnerUp?.constraint).toBe("reliability");
  });

  it("abstains when nothing fires", () => {
    expect(classify(compiled, issue({ title: "Rename a variable" }))).toMatchObject({ constraint: null, decidedBy: "none", confidence: 0, reasons: [] });
  });

  it("abstains when the none vote wins", () => {
    expect(classify(compiled, issue({ title: "How do I configure it?" })).constraint).toBeNull();
  });

  it("score-only rules do not vote", () => {
    expect(classify(compiled, issue({ title: "customer asked" })).constraint).toBeNull();
  });

  it("treats a human constraint label as ground truth", () => {
    const c = classify(compiled, issue({ title: "Crash on save", labels: ["Constraint:Operations"] }));
    expect(c).toMatchObject({ constraint: "operations", confidence: 1, decidedBy: "label", runnerUp: null });
    expect(c.reasons[0]).toMatchObject({ source: "label", ruleId: "label:Constraint:Operations" });
  });

  it("honours a custom label prefix", () => {
    const p = compilePack(loadPackFromString("version: 1\nlabelPrefix: 'c/'\nrules: []\n", "t.yaml"));
    expect(classify(p, issue({ title: "x", labels: ["c/throughput"] })).constraint).toBe("throughput");
  });
});

describe("combineVotes", () => {
  const opts = { threshold: 0.25, modelWeight: 0.25, ruleWeight: 0.75, ruleScale: 2 };
  const model = { activation: 0.05, adoption: 0.8, reliability: 0.05, operations: 0.05, throughput: 0.03, none: 0.02 };

  it.each([
    ["strong rules win over the model", { reliability: 6 }, model, "reliability", "rules"],
    ["the model decides when no rule fires", {}, model, "adoption", "model"],
    ["the model decides over a weak rule", { reliability: 0.5 }, model, "adoption", "model"],
    ["the model's none is a vote to abstain", {}, { ...model, adoption: 0.1, none: 0.72 }, null, "model"],
    ["rules alone", { throughput: 3 }, null, "throughput", "rules"],
    ["nothing at all", {}, null, null, "none"],
  ] as const)("%s", (_n, votes, m, constraint, decidedBy) => {
    const c = combineVotes(votes, m, opts);
    expect(c.constraint).toBe(constraint);
    expect(c.decidedBy).toBe(decidedBy);
    expect(c.confidence).toBeGreaterThanOrEqual(0);
    expect(c.confidence).toBeLessThanOrEqual(1);
  });

  it("modelWeight 0 ignores the model", () => {
    expect(combineVotes({}, model, { ...opts, modelWeight: 0 }).constraint).toBeNull();
  });
});

describe("classify with a text model", () => {
  const rows = [
    ...["invoice export for finance team", "admin tool to refund invoices", "finance invoice reconciliation"].map((title) => ({
      title,
      body: "",
      constraint: "operations" as const,
    })),
    ...["dark mode theme", "theme colour picker", "custom theme for dashboards"].map((title) => ({ title, body: "", constraint: "adoption" as const })),
  ];
  const withModel = compilePack({ ...pack, model: train(rows) });

  it("lets the model decide where rules are silent and lists its tokens as reasons", () => {
    const c = classify(withModel, issue({ title: "Refund invoices in bulk" }));
    expect(c.decidedBy).toBe("model");
    expect(c.reasons.some((r) => r.source === "model")).toBe(true);
  });

  it("keeps rules in charge where they fire strongly", () => {
    expect(classify(withModel, issue({ title: "Theme picker crash" }))).toMatchObject({ constraint: "reliability", decidedBy: "rules" });
  });
});

describe("the default pack", () => {
  const d = compilePack(loadDefaultPack());
  it.each([
    ["Cannot create a new account - verification email never received", [], "activation"],
    ["Flaky test in checkout suite", [], "reliability"],
    ["Upgrade to Next.js 15", [], "throughput"],
    ["Admin tool to impersonate users", [], "operations"],
    ["Add upgrade prompt when free-tier limits are hit", [], "adoption"],
    ["Add production monitoring and alerting", [], "reliability"],
    ["Editor hangs", ["bug"], "reliability"],
  ] as const)("%s → %s", (title, labels, expected) => {
    expect(classify(d, issue({ title, labels: [...labels] }), { noModel: true }).constraint).toBe(expected);
  });
});
