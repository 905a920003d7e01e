/**
 * The scenario suite: the audit must give each backlog the answer written
 * beside it. The old volume-driven method (every open issue adds 1, nudged by
 * priority, words, reactions, duplicates and age) is kept here for comparison,
 * and must fail where a product leader would disagree with it.
 */
import { describe, expect, it } from "vitest";
import { AuditSettingsSchema, driftLevel, effortRule, isOpen, isPlanned, runAudit, summarize, type AuditReport } from "../../../../src/core/audit";
import { makeSignalReader, newSignals, weigh } from "../../../../src/core/audit/signals";
import { CONSTRAINTS, type Constraint, type Scores } from "../../../../domain/types";
import { loadDefaultPack } from "../../../../rules";
import { auditText } from "../../../../src/cli/audit-command";
import { NOW, type Row, type Scenario } from "./build";
import { SCENARIOS } from "./scenarios";

const score = (): Scores => ({ impact: 3, evidence: 3, confidence: 3, timing: 3, reasons: [] });
const audit = (s: Scenario): AuditReport => runAudit({ issues: s.rows, score, settings: s.settings, now: NOW });

/** The method the audit used before issue 19: the constraint with the most confidence-weighted open issues, nudged by evidence. */
export function volumeMethod(rows: Row[], settingsInput: Scenario["settings"] = {}): { constraint: Constraint | null; drift: string } {
  const settings = AuditSettingsSchema.parse({
    ...settingsInput,
    evidenceWeights: { volume: 1, severity: 2, customer: 2, reactions: 1, duplicates: 1, age: 1 },
  });
  const read = makeSignalReader(settings, NOW);
  const sig = newSignals();
  const pressure = new Map<Constraint, number>();
  for (const { issue, classification: c } of rows) {
    if (!isOpen(issue) || !c.constraint) continue;
    pressure.set(c.constraint, (pressure.get(c.constraint) ?? 0) + c.confidence * weigh(read(issue, c.constraint, sig), settings.evidenceWeights));
  }
  const dominant = [...CONSTRAINTS].sort((a, b) => (pressure.get(b) ?? 0) - (pressure.get(a) ?? 0))[0]!;
  const planned = rows.filter((r) => isOpen(r.issue) && isPlanned(r.issue, settings.planned));
  const known = planned.flatMap((r) => (r.issue.estimate === null ? [] : [r.issue.estimate]));
  const rule = effortRule(known, planned.length - known.length);
  const effort = (r: Row) => (rule.useEstimates ? (r.issue.estimate ?? rule.fill) : 1);
  const total = planned.reduce((t, r) => t + effort(r), 0);
  const off = planned.filter((r) => r.classification.constraint !== dominant).reduce((t, r) => t + effort(r), 0);
  return { constraint: dominant, drift: driftLevel(total > 0 ? off / total : null, settings.drift) };
}

describe("scenario suite", () => {
  it("has at least ten scenarios, covering the six kinds issue 19 asks for", () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(10);
    const kinds = SCENARIOS.map((s) => s.kind).join(" | ");
    for (const k of [
      "reliability fire",
      "volume is adoption, pain is activation",
      "manual operations",
      "carry-over collapse",
      "balanced: no clear bottleneck",
      "declared focus contradicted",
    ]) {
      expect(kinds).toContain(k);
    }
    for (const s of SCENARIOS) expect(s.reason.length).toBeGreaterThan(80);
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))("%s", (_, s) => {
    const r = audit(s);
    expect({ constraint: r.dominant.constraint, drift: r.drift.level }).toEqual(s.expect);
    if (s.expect.constraint === null) {
      expect(r.headline).toMatch(/^No clear bottleneck/);
      expect(r.diagnosis.decidingEvidence.length).toBeGreaterThan(0);
    } else {
      expect(r.diagnosis.verdict).toBe("clear");
      expect(r.dominant.pressures[0]!.summary.length).toBeGreaterThan(0);
    }
  });

  it("the declared focus that the evidence contradicts is called out", () => {
    const r = audit(SCENARIOS.find((s) => s.kind === "declared focus contradicted")!);
    expect(r.focus).toMatchObject({ declared: "adoption", inferred: "reliability", agrees: false });
    expect(r.recommendations.map((x) => x.kind)).toContain("focus-disagrees");
  });

  it("the 30/60/90 loop: shipped reliability work, falling customer reports → move on to activation", () => {
    const r = audit(SCENARIOS.find((s) => s.kind === "follow-up: move on")!);
    expect(r.followUp).toMatchObject({ constraint: "reliability", source: "focus", days: 100, stage: "90", decision: "move-on", next: "activation" });
    expect(r.followUp!.shipped).toBe(16);
    expect(r.followUp!.customerPerMonthAfter).toBeLessThan(r.followUp!.customerPerMonthBefore / 2);
    expect(r.followUp!.sentence).toMatch(
      /^Shipped \d+ items on reliability since \d{4}-\d\d-\d\d; customer-reported reliability issues went from [\d.]+ to [\d.]+ a month/,
    );
    expect(r.recommendations[0]!.kind).toBe("follow-up");
    // History keeps it: the compact summary carries the follow-up sentence and decision.
    expect(summarize(r).followUp).toMatchObject({ constraint: "reliability", decision: "move-on", sentence: r.followUp!.sentence });
  });

  it("the carry-over collapse is read from delivery, not from any throughput ticket", () => {
    const r = audit(SCENARIOS.find((s) => s.kind === "carry-over collapse")!);
    const t = r.dominant.pressures.find((p) => p.constraint === "throughput")!;
    expect(t.breakdown.delivery).toBeGreaterThan(t.pressure / 2);
    expect(r.diagnosis.team.carryOverRate).toBeGreaterThan(0.5);
    expect(r.diagnosis.team.cycleTimeDays!).toBeGreaterThan(2 * r.diagnosis.team.priorCycleTimeDays!);
  });

  it("the old volume-driven method fails at least two scenarios (and those are the ones volume misreads)", () => {
    const failed = SCENARIOS.filter((s) => {
      const v = volumeMethod(s.rows, s.settings);
      return v.constraint !== s.expect.constraint || v.drift !== s.expect.drift;
    }).map((s) => s.kind);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed).toEqual(expect.arrayContaining(["reliability fire", "volume is adoption, pain is activation", "balanced: no clear bottleneck"]));
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))("through the CLI's JSONL path with the default pack: %s", (_, s) => {
    // What `backlog-audit audit scenario.jsonl --format json [--focus C --focus-since D]` computes; constraint: labels decide the classification.
    const text = s.rows.map((r) => JSON.stringify(r.issue)).join("\n");
    const r = auditText(loadDefaultPack(), text, {
      input: "jsonl",
      now: NOW,
      focus: s.settings?.focus ?? undefined,
      focusSince: s.settings?.focusSince ?? undefined,
    });
    expect({ constraint: r.dominant.constraint, drift: r.drift.level }).toEqual(s.expect);
  });

  it("with the default pack classifying the texts itself (no constraint labels), the diagnosis still names the expected bottleneck in at least 10 of 12", () => {
    // Guards the pairing of the diagnosis with the real classifier, as `backlog-audit audit FILE` runs it on unlabelled exports.
    // Measured when written: 12 of 12 bottlenecks (11 of 12 with the drift level too).
    const pack = loadDefaultPack();
    const hits = SCENARIOS.filter((s) => {
      const text = s.rows.map((r) => JSON.stringify({ ...r.issue, labels: r.issue.labels.filter((l) => !l.startsWith("constraint:")) })).join("\n");
      const r = auditText(pack, text, { input: "jsonl", now: NOW, focus: s.settings?.focus ?? undefined, focusSince: s.settings?.focusSince ?? undefined });
      return r.dominant.constraint === s.expect.constraint;
    });
    expect(hits.length).toBeGreaterThanOrEqual(10);
  });
});
