import { describe, expect, it } from "vitest";
import { classify, compilePack, loadDefaultPack, type RulePack } from "../../../rules";
import {
  applyCalibration,
  chooseThreshold,
  crossFitCalibrated,
  fitCalibration,
  gridCurve,
  operatingCurve,
  reliability,
  type EvalRow,
  type Scored,
} from "../../../rules/evaluate";
import { groupedFolds, groupOf } from "../../../rules/model/index";
import { seededRandom } from "../../../domain/random";
import type { Classification } from "../../../domain/types";
import { issue } from "../rules/helpers";

/** `n` verdicts at `score`, `right` of them correct. */
const at = (score: number, n: number, right: number): Scored[] => Array.from({ length: n }, (_, i) => ({ score, correct: i < right }));

describe("grouped folds", () => {
  it("never puts one team's rows in two folds, and keeps folds near even", () => {
    const random = seededRandom(7);
    const groups = Array.from({ length: 2000 }, () => `team-${Math.floor(random() ** 2 * 300)}`);
    const folds = groupedFolds(groups, 10, 1);
    const foldOf = new Map<string, number>();
    groups.forEach((g, i) => {
      if (!foldOf.has(g)) foldOf.set(g, folds[i]!);
      expect(folds[i]).toBe(foldOf.get(g));
    });
    const sizes = Array.from({ length: 10 }, (_, f) => folds.filter((x) => x === f).length);
    const biggestGroup = Math.max(...[...new Set(groups)].map((g) => groups.filter((x) => x === g).length));
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(biggestGroup);
    expect(groupedFolds(groups, 10, 1)).toEqual(folds);
  });

  it("reads the team from an evaluation id", () => {
    expect(groupOf("PostHog/posthog#1408")).toBe("PostHog/posthog");
    expect(groupOf("jira:moodle/MDL#MDL-123")).toBe("jira:moodle/MDL");
    expect(groupOf("no-hash")).toBe("no-hash");
  });

  it("refuses fewer than two folds", () => {
    expect(() => groupedFolds(["a"], 1, 1)).toThrow(/k must be/);
  });
});

describe("calibration", () => {
  it("maps scores to the observed share of right verdicts", () => {
    const scored = [...at(0.5, 100, 30), ...at(0.7, 100, 60), ...at(0.95, 100, 90)];
    const cal = fitCalibration(scored);
    expect(applyCalibration(cal, 0.5)).toBeCloseTo(0.3, 5);
    expect(applyCalibration(cal, 0.7)).toBeCloseTo(0.6, 5);
    expect(applyCalibration(cal, 0.95)).toBeCloseTo(0.9, 5);
    expect(applyCalibration(cal, 0.6)).toBeCloseTo(0.45, 5); // linear between knots
    expect(applyCalibration(cal, 0.1)).toBeCloseTo(0.3, 5); // flat beyond the ends
    expect(applyCalibration(cal, 1)).toBeCloseTo(0.9, 5);
  });

  it("pools scores that are out of order, so the map never decreases", () => {
    const cal = fitCalibration([...at(0.6, 50, 40), ...at(0.8, 50, 20)]);
    expect(applyCalibration(cal, 0.6)).toBeCloseTo(0.6, 5);
    expect(applyCalibration(cal, 0.8)).toBeCloseTo(0.6, 5);
    for (let i = 1; i < cal.points.length; i++) expect(cal.points[i]![1]).toBeGreaterThanOrEqual(cal.points[i - 1]![1]);
  });

  it("has a small expected calibration error once calibrated, a large one before", () => {
    const scored = [...at(0.95, 200, 120), ...at(0.55, 200, 40)];
    expect(reliability(scored).ece).toBeGreaterThan(0.2);
    const cal = fitCalibration(scored);
    const after = scored.map((s) => ({ score: applyCalibration(cal, s.score), correct: s.correct }));
    expect(reliability(after).ece).toBeLessThan(0.01);
    const bin = reliability(after).bins.find((b) => b.rows > 0 && b.lo === 0.6)!;
    expect(bin).toMatchObject({ rows: 200, precision: 0.6 });
  });

  it("cross-fits: a fold's confidences come from a map fitted on the other folds only", () => {
    const rows = [0, 1, 2, 3].map((i) => ({ expected: i < 2 ? "reliability" : "adoption" }) as EvalRow);
    const c = (constraint: "reliability" | "adoption", confidence: number): Classification => ({
      constraint,
      confidence,
      runnerUp: null,
      decidedBy: "model",
      reasons: [],
    });
    // Fold 0: right at 0.9; fold 1: wrong at 0.9. Each fold is calibrated by the other's record.
    const results = [c("reliability", 0.9), c("reliability", 0.9), c("reliability", 0.9), c("reliability", 0.9)];
    const out = crossFitCalibrated(results, rows, [0, 0, 1, 1], 0.5);
    expect(out[0]).toMatchObject({ constraint: null, confidence: 0 }); // fold 1 was always wrong at 0.9: abstain
    expect(out[2]).toMatchObject({ constraint: "reliability", confidence: 1 }); // fold 0 was always right
  });
});

describe("the write-back threshold chooser", () => {
  const scored = [...at(0.99, 300, 297), ...at(0.9, 300, 288), ...at(0.8, 300, 285), ...at(0.6, 300, 180)];
  const curve = operatingCurve(scored, 1500);

  it("picks the lowest threshold whose precision meets the target", () => {
    const p = chooseThreshold(curve, 0.95)!;
    expect(p.threshold).toBe(0.8);
    expect(p.precision).toBeGreaterThanOrEqual(0.95);
    expect(p.rows).toBe(900);
    expect(p.coverage).toBeCloseTo(0.6, 5);
    // The next lower threshold misses the target: choosing it would break the promise.
    const lower = curve.find((x) => x.threshold === 0.6)!;
    expect(lower.precision).toBeLessThan(0.95);
    expect(chooseThreshold(curve, 0.97)!.threshold).toBe(0.9);
  });

  it("fails when no threshold meets the target, and ignores points resting on a few verdicts", () => {
    expect(chooseThreshold(curve, 0.999)).toBeNull();
    const lucky = operatingCurve([...at(0.99, 3, 3), ...at(0.9, 300, 240)], 303);
    expect(chooseThreshold(lucky, 0.95)).toBeNull();
  });

  it("measures the same points on a 0.01 grid", () => {
    const grid = gridCurve(scored, 1500);
    expect(grid).toHaveLength(101);
    expect(grid.find((p) => p.threshold === 0.8)).toMatchObject({ rows: 900, precision: 0.9667 });
    // Every grid threshold above 0.6 admits the same verdicts as 0.8: the lowest of them is chosen.
    expect(chooseThreshold(grid, 0.95)!.threshold).toBe(0.61);
  });
});

describe("a calibrated pack", () => {
  const base = loadDefaultPack();
  const text = issue({ title: "App crashes on save", body: "Steps to reproduce: open and save. It crashes." });

  it("reports the calibrated probability as confidence, and abstains below the threshold on it", () => {
    const flat: RulePack = {
      ...base,
      calibration: {
        method: "isotonic",
        rows: 1,
        points: [
          [0, 0.42],
          [1, 0.42],
        ],
      },
    };
    const c = classify(compilePack(flat), text);
    expect(c).toMatchObject({ constraint: "reliability", confidence: 0.42 });
    const strict: RulePack = { ...flat, threshold: 0.5 };
    const abstained = classify(compilePack(strict), text);
    expect(abstained.constraint).toBeNull();
    expect(abstained.runnerUp).toEqual({ constraint: "reliability", confidence: 0.42 });
    const raw = classify(compilePack({ ...base, calibration: null }), text);
    expect(raw.constraint).toBe("reliability");
    expect(raw.confidence).not.toBe(0.42);
  });
});
