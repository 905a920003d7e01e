import { describe, expect, it } from "vitest";
import { decideLabels, labelDefinitions, planWriteBack, toLabelChange, inNamespace, OVERRIDE_REASON } from "../../../src/core/writeback";
import { SETTINGS, facts, labelsOf, type FactSpec } from "./helpers";

const P = "constraint:";
const T = 0.6;

describe("decideLabels: rules 1–4", () => {
  const rows: Array<{ name: string; spec: FactSpec; add: string[]; remove: string[]; overrides?: string[]; skipped?: RegExp }> = [
    { name: "fresh verdict at/above threshold → add", spec: { c: "reliability", conf: 0.6 }, add: ["constraint:reliability"], remove: [] },
    { name: "below threshold, nothing of ours → nothing", spec: { c: "reliability", conf: 0.59 }, add: [], remove: [] },
    { name: "abstain, nothing of ours → nothing", spec: { c: null }, add: [], remove: [] },
    {
      name: "abstain now, our label present → remove our stale label",
      spec: { c: null, labels: ["constraint:adoption"], applied: ["constraint:adoption"] },
      add: [],
      remove: ["constraint:adoption"],
    },
    {
      name: "below threshold now, our label present → remove it",
      spec: { c: "adoption", conf: 0.3, labels: ["constraint:adoption"], applied: ["constraint:adoption"] },
      add: [],
      remove: ["constraint:adoption"],
    },
    {
      name: "verdict changed reliability → throughput: swap ours",
      spec: { c: "throughput", labels: ["bug", "constraint:reliability"], applied: ["constraint:reliability"] },
      add: ["constraint:throughput"],
      remove: ["constraint:reliability"],
    },
    {
      name: "already labelled by us with the verdict → nothing",
      spec: { c: "reliability", labels: ["constraint:reliability"], applied: ["constraint:reliability"] },
      add: [],
      remove: [],
    },
    {
      name: "rule 2: a person's constraint label is ground truth (no add, no remove)",
      spec: { c: "throughput", labels: ["constraint:reliability", "constraint:adoption"], applied: ["constraint:adoption"] },
      add: [],
      remove: [],
      skipped: /a person applied constraint:reliability/,
    },
    {
      name: "rule 2 is case-insensitive",
      spec: { c: "reliability", labels: ["Constraint:Throughput"] },
      add: [],
      remove: [],
      skipped: /Constraint:Throughput; their label is the verdict/,
    },
    { name: "a person's constraint:none is a verdict too", spec: { c: "reliability", labels: ["constraint:none"] }, add: [], remove: [] },
    {
      name: "rule 1: a non-verdict label in our namespace a person put there is kept",
      spec: { c: null, labels: ["constraint:triage", "constraint:adoption"], applied: ["constraint:adoption"] },
      add: [],
      remove: ["constraint:adoption"],
    },
    {
      name: "rule 1: labels outside the namespace are never touched",
      spec: { c: null, labels: ["reliability", "bug", "constraintreliability"], applied: ["reliability", "bug"] },
      add: [],
      remove: [],
    },
    {
      name: "rule 3: our label removed by a person → override, not re-added",
      spec: { c: "reliability", labels: [], applied: ["constraint:reliability"] },
      add: [],
      remove: [],
      overrides: ["constraint:reliability"],
      skipped: /not re-adding/,
    },
    {
      name: "rule 3: recorded override → never re-added",
      spec: { c: "reliability", overrides: ["Constraint:Reliability"] },
      add: [],
      remove: [],
      skipped: /not re-adding/,
    },
    {
      name: "verdict changed and the person had removed our old label → override old, add new",
      spec: { c: "throughput", labels: [], applied: ["constraint:reliability"] },
      add: ["constraint:throughput"],
      remove: [],
      overrides: ["constraint:reliability"],
    },
    {
      name: "verdict overridden but our other label still present → still removed",
      spec: { c: "throughput", labels: ["constraint:reliability"], applied: ["constraint:reliability"], overrides: ["constraint:throughput"] },
      add: [],
      remove: ["constraint:reliability"],
    },
  ];
  it.each(rows)("$name", ({ spec, add, remove, overrides = [], skipped }) => {
    const d = decideLabels(facts(spec), P, T);
    expect(d.change?.add ?? []).toEqual(add);
    expect(d.change?.remove ?? []).toEqual(remove);
    expect(d.newOverrides.map((o) => o.label)).toEqual(overrides);
    for (const o of d.newOverrides) expect(o.reason).toBe(OVERRIDE_REASON);
    if (skipped) expect(d.skipped.join(" | ")).toMatch(skipped);
  });

  it("matches the prefix case-insensitively, and keeps the issue's spelling in desired", () => {
    const d = decideLabels(facts({ c: "reliability", labels: ["CONSTRAINT:adoption", "x"], applied: ["constraint:adoption"] }), "Constraint:", T);
    expect(d.change).toMatchObject({
      add: ["Constraint:reliability"],
      remove: ["CONSTRAINT:adoption"],
      before: ["CONSTRAINT:adoption"],
      after: ["Constraint:reliability"],
    });
  });

  it("desired holds only our labels (never a person's), so the connector cannot drop or re-add theirs", () => {
    const d = decideLabels(facts({ c: "adoption", labels: ["constraint:triage", "team:web"] }), P, T);
    expect(d.change?.desired).toEqual(["constraint:adoption"]);
    expect(d.change?.after).toEqual(["constraint:triage", "constraint:adoption"]);
  });
});

describe("toLabelChange", () => {
  it("owns only the labels the action removes", () => {
    const change = toLabelChange({ desired: ["constraint:throughput"], remove: ["constraint:reliability"] }, labelDefinitions(P));
    expect(change.isOwned("constraint:reliability")).toBe(true);
    expect(change.isOwned("Constraint:Reliability")).toBe(true);
    expect(change.isOwned("constraint:adoption")).toBe(false);
    expect(change.isOwned("constraint:throughput")).toBe(false);
    expect(change.isOwned("bug")).toBe(false);
    expect(change.definitions.map((d) => d.name)).toEqual(["constraint:throughput"]);
  });

  it("label definitions: five, namespaced, GitHub-safe", () => {
    const defs = labelDefinitions("c/");
    expect(defs.map((d) => d.name)).toEqual(["c/activation", "c/adoption", "c/reliability", "c/operations", "c/throughput"]);
    for (const d of defs) {
      expect(d.color).toMatch(/^[0-9a-f]{6}$/);
      expect(d.description.length).toBeLessThanOrEqual(100);
    }
  });

  it.each([
    ["constraint:x", true],
    ["CONSTRAINT:x", true],
    ["constraint", false],
    ["x constraint:", false],
  ])("inNamespace(%s) = %s", (label, want) => expect(inNamespace(P, label)).toBe(want));
});

describe("rule 1 end to end: the plan never removes what we did not apply", () => {
  it("across many label mixes, every removal was in appliedByUs and in our namespace", () => {
    const mixes: FactSpec[] = [];
    const pool = ["constraint:reliability", "constraint:adoption", "constraint:triage", "bug", "Constraint:Ops"];
    for (let mask = 0; mask < 32; mask++)
      for (const c of ["reliability", "adoption", null] as const) {
        const labels = pool.filter((_, i) => mask & (1 << i));
        mixes.push({ id: `${mask}-${c}`, c, labels, applied: labels.filter((l) => l === "constraint:adoption" || l === "bug") });
      }
    const all = mixes.map(facts);
    const plan = planWriteBack({ issues: all, settings: SETTINGS, auditRunId: null, dominant: null });
    expect(labelsOf(plan).length).toBeGreaterThan(0);
    for (const a of labelsOf(plan)) {
      const f = all.find((x) => x.issue.externalId === a.externalId)!;
      for (const r of a.remove) {
        expect(f.appliedByUs).toContain(r);
        expect(r.startsWith("constraint:")).toBe(true);
      }
      for (const l of a.add) expect(l.startsWith("constraint:")).toBe(true);
    }
  });
});
