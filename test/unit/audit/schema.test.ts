import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AuditReportSchema, AuditSettingsSchema, AuditSummarySchema, TopN } from "../../../src/core/audit";

describe("schemas", () => {
  it("settings fill every default from an empty object, including nested ones", () => {
    const s = AuditSettingsSchema.parse({ evidenceWeights: { severity: 5 }, drift: { watchMax: 0.7 } });
    expect(s.evidenceWeights).toMatchObject({ severity: 5, volume: 1, customer: 2 });
    expect(s.drift).toEqual({ alignedMax: 0.35, watchMax: 0.7 });
    expect(s.planned.linear.iterationStates).toEqual(["active", "next"]);
    expect(s.focus).toBeNull();
  });

  it.each([{ drift: { alignedMax: 2 } }, { focus: "vibes" }, { evidenceWeights: { volume: -1 } }])("rejects %o", (bad) => {
    expect(() => AuditSettingsSchema.parse(bad)).toThrow();
  });

  it.each([
    ["AuditSettings", AuditSettingsSchema],
    ["AuditReport", AuditReportSchema],
    ["AuditSummary", AuditSummarySchema],
  ] as const)("%s converts to JSON Schema with descriptions", (_, schema) => {
    const json = JSON.stringify(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
    expect(json).toContain('"description"');
  });
});

describe("TopN partial selection", () => {
  it.each([
    { k: 3, keys: [5, 1, 9, 7, 3, 9], want: [2, 5, 3] },
    { k: 10, keys: [1, 2], want: [1, 0] },
    { k: 0, keys: [1, 2], want: [] },
    { k: 2, keys: [4, 4, 4], want: [0, 1] },
  ])("k=$k over $keys", ({ k, keys, want }) => {
    const t = new TopN(k);
    keys.forEach((key, i) => t.offer(i, key));
    expect(t.result()).toEqual(want);
    expect(t.total).toBe(keys.length);
  });

  it("matches a full sort on random input", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const keys = Array.from({ length: 2000 }, () => Math.floor(rnd() * 500));
    const t = new TopN(25);
    keys.forEach((key, i) => t.offer(i, key));
    const full = keys
      .map((key, i) => ({ key, i }))
      .sort((a, b) => b.key - a.key || a.i - b.i)
      .slice(0, 25)
      .map((x) => x.i);
    expect(t.result()).toEqual(full);
  });
});
