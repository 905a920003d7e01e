import { describe, expect, it } from "vitest";
import { classify, compilePack, loadDefaultPack, loadPackFromString, scoreIssue } from "../../../rules";
import type { IssueInput } from "../../../domain/types";
import { issue } from "./helpers";

const d = compilePack(loadDefaultPack());
const score = (over: Partial<IssueInput>, dominant: Parameters<typeof scoreIssue>[3]["dominant"] = null) => {
  const i = issue(over);
  return scoreIssue(d, i, classify(d, i, { noModel: true }), { dominant });
};

describe("scoreIssue", () => {
  it("gives integers 1–5 on every dimension", () => {
    for (const over of [{}, { priority: 1, reactions: 50, duplicateCount: 9, estimate: 1 }, { priority: 4, estimate: 21 }]) {
      const s = score(over);
      for (const v of [s.impact, s.evidence, s.confidence, s.timing]) {
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(1);
        expect(v).toBeLessThanOrEqual(5);
      }
    }
  });

  it.each([
    ["impact rises with urgent priority", { priority: 1 }, { priority: 4 }, "impact"],
    ["impact rises with revenue words", { title: "Checkout loses revenue for enterprise customers" }, { title: "Checkout" }, "impact"],
    ["evidence rises with reactions", { reactions: 25 }, {}, "evidence"],
    ["evidence rises with duplicates", { duplicateCount: 4 }, {}, "evidence"],
    ["evidence rises with customer words", { title: "Customers report export fails" }, { title: "Export fails" }, "evidence"],
    ["evidence rises with support labels", { labels: ["customer"] }, {}, "evidence"],
    ["confidence rises with a small estimate", { estimate: 1 }, { estimate: 13 }, "confidence"],
    ["confidence falls with spike words", { title: "Add SSO" }, { title: "Spike: investigate SSO" }, "confidence"],
    ["timing rises in an active iteration", { iteration: { kind: "sprint", id: "1", name: "S1", state: "active" } }, {}, "timing"],
  ] as Array<[string, Partial<IssueInput>, Partial<IssueInput>, "impact" | "evidence" | "confidence" | "timing"]>)("%s", (_n, high, low, dim) => {
    const h = score(high);
    const l = score(low);
    expect(h[dim]).toBeGreaterThan(l[dim]);
    expect([...h.reasons, ...l.reasons].some((r) => r.dimension === dim)).toBe(true);
  });

  it("timing rises when the issue serves the dominant constraint", () => {
    const aligned = score({ title: "Crash on save", labels: ["bug"] }, "reliability");
    const other = score({ title: "Crash on save", labels: ["bug"] }, "adoption");
    expect(aligned.timing).toBeGreaterThan(other.timing);
    expect(aligned.reasons).toContainEqual(expect.objectContaining({ dimension: "timing", signal: "aligned-with-dominant" }));
  });

  it("is absolute: the same issue scores the same regardless of others", () => {
    expect(score({ title: "Crash", priority: 2 })).toEqual(score({ title: "Crash", priority: 2 }));
  });

  it("reads its signals from the pack", () => {
    const p = compilePack(loadPackFromString("version: 1\nscoring:\n  base: { impact: 5 }\n  priority: { '1': -4 }\nrules: []\n", "t.yaml"));
    const i = issue({ title: "x", priority: 1 });
    expect(scoreIssue(p, i, classify(p, i), { dominant: null }).impact).toBe(1);
  });
});
