/** The pure learning core: the adaptation, the backtest gate, the threshold, the review order, the mappings. */
import { describe, expect, it } from "vitest";
import {
  backtest,
  chooseWorkspaceThreshold,
  MIN_WORKSPACE_THRESHOLD,
  issueFeatures,
  learnMappings,
  mappingRule,
  MIN_LABELLED,
  predictAdaptation,
  reviewQueue,
  splitByTime,
  trainAdaptation,
  WS_LABELS,
  type LabelledIssue,
  type ReviewCandidate,
} from "../../../src/core/learning";

const uniform = [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]; // the global pack leans to "none"
const at = (label: string) => WS_LABELS.indexOf(label as never);

describe("trainAdaptation", () => {
  it("with no examples it is exactly the global distribution", () => {
    const m = trainAdaptation([]);
    const v = predictAdaptation(m, ["w:importer"], uniform);
    expect(Array.from(v.dist).map((x) => Math.round(x * 1000) / 1000)).toEqual(uniform.map((x) => Math.round((x / 1.0) * 1000) / 1000));
    expect(v.best).toBe(at("none"));
  });

  it("learns a team's word, and says which feature decided", () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ features: ["w:importer", `w:x${i}`], base: uniform, label: "activation" as const }));
    const m = trainAdaptation(rows);
    const v = predictAdaptation(m, ["w:importer"], uniform);
    expect(WS_LABELS[v.best]).toBe("activation");
    expect(v.top[0]!.feature).toBe("w:importer");
    // A word it never saw keeps close to the global pack (only the learned bias moves it).
    const other = predictAdaptation(m, ["w:unrelated"], uniform);
    expect(other.dist[at("activation")]!).toBeLessThan(v.dist[at("activation")]!);
  });

  it("a negative example lowers the probability of its label", () => {
    const base = [0.7, 0.1, 0.1, 0.05, 0.04, 0.01];
    const neg = Array.from({ length: 10 }, () => ({ features: ["label:area/billing"], base, label: "activation" as const, negative: true }));
    const m = trainAdaptation(neg);
    const v = predictAdaptation(m, ["label:area/billing"], base);
    expect(v.dist[at("activation")]!).toBeLessThan(0.7);
    expect(WS_LABELS[v.best]).not.toBe("activation");
  });
});

describe("issueFeatures", () => {
  it("takes words, labels outside our namespace, type and components", () => {
    const f = issueFeatures(
      { title: "The importer hangs", body: "", labels: ["area/Ledger", "constraint:reliability"], type: "Bug", components: ["Import"] },
      "constraint:",
    );
    expect(f).toEqual(["w:importer", "w:hangs", "label:area/ledger", "type:bug", "component:import"]);
  });
});

function rows(n: number, globalRight: (i: number) => boolean): LabelledIssue[] {
  return Array.from({ length: n }, (_, i) => ({
    issueId: `i${String(i).padStart(3, "0")}`,
    at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    features: ["w:importer"],
    base: [0.05, 0.6, 0.2, 0.05, 0.05, 0.05],
    label: "activation" as const,
    global: globalRight(i) ? { constraint: "activation" as const, confidence: 0.95 } : { constraint: "adoption" as const, confidence: 0.6 },
  }));
}

describe("backtest", () => {
  it("splits by time: the newest third is the test, negatives newer than the split never train", () => {
    const r = rows(30, () => false);
    const neg = { ...r[29]!, issueId: "neg", negative: true };
    const s = splitByTime([...r, neg]);
    expect(s.test.map((x) => x.issueId)).toEqual(r.slice(20).map((x) => x.issueId));
    expect(s.train.some((x) => x.issueId === "neg")).toBe(false);
  });

  it("goes live only when it beats the global pack on the newest issues", () => {
    const wins = backtest(rows(45, () => false));
    expect(wins.beats).toBe(true);
    expect(wins.workspace!.accuracy).toBeGreaterThan(wins.global.accuracy);
    const loses = backtest(rows(45, () => true));
    expect(loses.global.accuracy).toBe(1);
    expect(loses.beats).toBe(false);
    expect(loses.reason).toMatch(/^does not beat/);
    const few = backtest(rows(MIN_LABELLED - 1, () => false));
    expect(few.workspace).toBeNull();
    expect(few.beats).toBe(false);
  });
});

describe("chooseWorkspaceThreshold", () => {
  const curve = (precisions: number[]) => precisions.map((p, i) => ({ threshold: i / 10, precision: p, coverage: 1 - i / 10, rows: 40 - i * 3 }));
  it("picks the lowest threshold whose precision meets the target even with one more wrong verdict", () => {
    const t = chooseWorkspaceThreshold({
      labelled: 60,
      target: 0.95,
      globalThreshold: 0.9,
      live: true,
      workspaceCurve: curve([0.8, 0.9, 0.96, 0.97, 0.99, 1, 1, 1, 1, 1, 1]),
      globalCurveAll: [],
    });
    // 0.2: 96% on 34 written, 32.6/35 = 93.1% with one more wrong one; 0.4: 99% on 28, 27.7/29 = 95.6%, but below
    // even odds (MIN_WORKSPACE_THRESHOLD): the lowest allowed threshold that meets it is 0.5, 100% on 25 (25/26 = 96.2%).
    expect(t).toMatchObject({ value: 0.5, source: "workspace-model", met: true, measured: { precision: 1, rows: 25 } });
    // Without the floor the same curve would have chosen 0.4.
    expect(MIN_WORKSPACE_THRESHOLD).toBe(0.5);
  });
  it("does not let a short lucky streak set the threshold", () => {
    const streak = [{ threshold: 0, precision: 1, coverage: 1, rows: 10 }];
    const t = chooseWorkspaceThreshold({ labelled: 30, target: 0.95, globalThreshold: 0.9, live: true, workspaceCurve: streak, globalCurveAll: [] });
    expect(t).toMatchObject({ value: 0.9, source: "global", met: false });
  });
  it("says it cannot yet when no threshold meets the target, and falls back to the global threshold", () => {
    const t = chooseWorkspaceThreshold({
      labelled: 60,
      target: 0.95,
      globalThreshold: 0.9,
      live: false,
      workspaceCurve: null,
      globalCurveAll: curve(Array(11).fill(0.8)),
    });
    expect(t).toMatchObject({ value: 0.9, source: "global", met: false });
    expect(t.note).toMatch(/cannot yet meet 95% precision/);
  });
  it("falls back to the global threshold below the minimum labelled count", () => {
    const t = chooseWorkspaceThreshold({
      labelled: 12,
      target: 0.95,
      globalThreshold: 0.9,
      live: false,
      workspaceCurve: null,
      globalCurveAll: curve(Array(11).fill(1)),
    });
    expect(t).toMatchObject({ value: 0.9, source: "global", met: false });
  });
});

describe("reviewQueue", () => {
  const c = (id: string, v: Partial<NonNullable<ReviewCandidate["classification"]>> | null, extra: Partial<ReviewCandidate> = {}): ReviewCandidate => ({
    id,
    issue: { externalId: id, iteration: null, createdAt: "2026-01-01T00:00:00Z" },
    classification: v ? { constraint: null, confidence: 0.3, runnerUp: null, decidedBy: "model", reasons: [], ...v } : null,
    scores: null,
    ...extra,
  });
  it("orders abstained-in-plan, then low margin (closest first), then a small sample, then the rest; skips labelled and answered issues", () => {
    const planned = { kind: "cycle" as const, id: "c", name: "C", state: "active" as const };
    const items = reviewQueue(
      [
        c("a-unplanned", { constraint: null }),
        c("a-planned", { constraint: null }, { issue: { externalId: "x", iteration: planned, createdAt: "" } }),
        c("low-1", { constraint: "reliability", confidence: 0.5, runnerUp: { constraint: "adoption", confidence: 0.45 } }),
        c("low-2", { constraint: "reliability", confidence: 0.5, runnerUp: { constraint: "adoption", confidence: 0.35 } }),
        c("sure", { constraint: "reliability", confidence: 0.95, runnerUp: { constraint: "adoption", confidence: 0.02 } }),
        c("human", { constraint: "reliability", confidence: 1, decidedBy: "label" }),
        c("answered", { constraint: null }, { issue: { externalId: "y", iteration: planned, createdAt: "" } }),
      ],
      new Set(["answered"]),
    );
    expect(items.map((i) => [i.id, i.bucket])).toEqual([
      ["a-planned", "abstained"],
      ["low-1", "low-margin"],
      ["low-2", "low-margin"],
      ...items.slice(3).map((i) => [i.id, "sample"]),
    ]);
    expect(
      items
        .slice(3)
        .map((i) => i.id)
        .sort(),
    ).toEqual(["a-unplanned", "sure"]);
  });
  it("keeps the sample small (5%, at least 5) and puts the rest after it", () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      c(`s${i}`, { constraint: "reliability", confidence: 0.95, runnerUp: { constraint: "adoption", confidence: 0.02 } }),
    );
    const items = reviewQueue(many, new Set());
    expect(items.filter((i) => i.bucket === "sample")).toHaveLength(10);
    expect(items.filter((i) => i.bucket === "more")).toHaveLength(190);
    expect(items.findIndex((i) => i.bucket === "more")).toBe(10);
  });
});

describe("learnMappings", () => {
  it("maps a label to the constraint it carries in most labelled issues, and makes an ordinary rule of it", () => {
    const ex = [
      ...Array.from({ length: 14 }, () => ({ issue: { labels: ["area/billing"], type: null, components: [] }, constraint: "adoption" as const })),
      { issue: { labels: ["area/billing"], type: null, components: [] }, constraint: "reliability" as const },
      { issue: { labels: ["bug"], type: null, components: [] }, constraint: "reliability" as const },
      { issue: { labels: ["bug"], type: null, components: [] }, constraint: "adoption" as const },
      { issue: { labels: ["bug"], type: null, components: [] }, constraint: null },
    ];
    const m = learnMappings(ex, "constraint:");
    expect(m).toEqual([
      { kind: "label", value: "area/billing", constraint: "adoption", issues: 15, agree: 14, share: 0.933, ruleId: "team-label-area-billing" },
    ]);
    expect(mappingRule(m[0]!)).toMatchObject({
      id: "team-label-area-billing",
      when: { fact: "labels", in: ["area/billing"] },
      then: { vote: { constraint: "adoption" } },
    });
  });
});

describe("classify(…, { distribution })", () => {
  it("hands out the blended distribution the verdict came from, without changing the verdict", async () => {
    const { classify, compilePack, loadDefaultPack } = await import("../../../rules");
    const { IssueSchema } = await import("../../../domain/types");
    const compiled = compilePack(loadDefaultPack());
    const issue = IssueSchema.parse({
      tracker: "github",
      externalId: "1",
      key: "#1",
      title: "App crashes on save when the file is large",
      state: "open",
      createdAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:00Z",
    });
    const dist = new Float64Array(6);
    const withDist = classify(compiled, issue, { distribution: dist });
    expect(withDist).toEqual(classify(compiled, issue));
    expect(dist.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    let best = 0;
    for (let k = 1; k < 6; k++) if (dist[k]! > dist[best]!) best = k;
    expect(WS_LABELS[best]).toBe(withDist.constraint);
  });
});
