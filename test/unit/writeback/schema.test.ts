import { describe, expect, it } from "vitest";
import { z } from "zod";
import { IssueFactsSchema, LedgerEntrySchema, WritebackPlanSchema, WritebackSettingsSchema } from "../../../src/core/writeback";
import { facts } from "./helpers";

describe("JSON-facing schemas", () => {
  it.each([
    ["WritebackPlan", WritebackPlanSchema],
    ["WritebackSettings", WritebackSettingsSchema],
    ["IssueFacts", IssueFactsSchema],
    ["LedgerEntry", LedgerEntrySchema],
  ])("%s converts to JSON Schema for the OpenAPI document", (_n, schema) => {
    const js = z.toJSONSchema(schema, { io: "input" }) as { type?: string };
    expect(js.type).toBe("object");
  });

  it("facts survive a JSON round trip through IssueFactsSchema", () => {
    const f = facts({ labels: ["constraint:reliability"], applied: ["constraint:reliability"], comment: { id: null, bodyHash: "abc" } });
    expect(IssueFactsSchema.parse(JSON.parse(JSON.stringify(f)))).toEqual(f);
  });

  it.each([
    { labelPrefix: "", commentsEnabled: true, maxWrites: 1, writeBackThreshold: 0.5, mode: "on" },
    { labelPrefix: "c:", commentsEnabled: true, maxWrites: -1, writeBackThreshold: 0.5, mode: "on" },
    { labelPrefix: "c:", commentsEnabled: true, maxWrites: 1, writeBackThreshold: 1.5, mode: "on" },
    { labelPrefix: "c:", commentsEnabled: true, maxWrites: 1, writeBackThreshold: 0.5, mode: "yes" },
  ])("rejects bad settings %j", (s) => expect(WritebackSettingsSchema.safeParse(s).success).toBe(false));
});
