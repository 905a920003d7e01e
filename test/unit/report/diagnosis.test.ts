/** The report explains its diagnosis: sentence, evidence per constraint in words, a chart, what would decide, the follow-up. */
import { describe, expect, it } from "vitest";
import { runAudit } from "../../../src/core/audit";
import { renderMarkdown, ReportPage } from "../../../src/report";
import { NOW } from "../audit/scenarios/build";
import { SCENARIOS } from "../audit/scenarios/scenarios";

const score = () => ({ impact: 3, evidence: 3, confidence: 3, timing: 3, reasons: [] });
const reportOf = (kind: string) => {
  const s = SCENARIOS.find((x) => x.kind === kind)!;
  return runAudit({ issues: s.rows, score, settings: s.settings, now: NOW });
};
const html = async (kind: string) =>
  String(await (ReportPage({ report: reportOf(kind), workspaceName: "Acme" }) as { toString(): string | Promise<string> }).toString());

describe("diagnosis in the HTML report", () => {
  it("a clear bottleneck: sentence, labelled chart, evidence per constraint in words", async () => {
    const out = await html("reliability fire");
    expect(out).toMatch(/data-testid="headline-dominant">reliability</);
    expect(out).toMatch(/data-testid="diagnosis-sentence">Reliability is under the most pressure\. Customers: \d+ support tickets? linked/);
    expect(out).toMatch(
      /<svg data-testid="pressure-chart" role="img" aria-label="Evidence pressure by constraint and kind\. reliability: [\d.]+ \(customers [\d.]+, severity [\d.]+, growth [\d.]+/,
    );
    expect(out).toContain('data-testid="evidence-reliability"');
    expect(out).toContain("Most open issues are adoption, but volume measures the wish list, not the pain.");
    expect(out).toMatch(/open issues with no customer, severity or flow evidence \(not counted\)/);
    expect(out).not.toContain('data-testid="deciding-evidence"');
  });

  it("no clear bottleneck: says so in the headline and names the evidence that would decide", async () => {
    const out = await html("split: no clear bottleneck");
    expect(out).toMatch(/data-testid="headline-dominant">no clear bottleneck</);
    expect(out).toContain('data-testid="deciding-evidence"');
    expect(out).toMatch(/Which of (activation and reliability|reliability and activation) customers feel more/);
  });

  it("the 30/60/90 follow-up appears once shipped work exists", async () => {
    const out = await html("follow-up: move on");
    expect(out).toMatch(
      /data-testid="follow-up-sentence">Shipped 16 items on reliability since \d{4}-\d\d-\d\d; customer-reported reliability issues went from 6 to 0.6 a month/,
    );
    expect(out).toContain('data-testid="follow-up-decision">move-on<');
    expect(await html("reliability fire")).not.toContain('data-testid="follow-up"');
  });

  it("says what a tracker's data lacks", async () => {
    const out = await html("thin evidence"); // a GitHub backlog
    expect(out).toContain('data-testid="coverage"');
    expect(out).toContain("GitHub has no customer-request structure");
  });
});

describe("diagnosis in the Markdown report", () => {
  it("carries the same sentence, evidence lines and follow-up", () => {
    const md = renderMarkdown(reportOf("follow-up: move on"));
    expect(md).toMatch(/^### Why: Activation is under the most pressure/m);
    expect(md).toMatch(/^\| activation \| [\d.]+ \(\d+%\) \|/m);
    expect(md).toMatch(/^## Follow-up on reliability: day 100, decision: move-on$/m);
    const split = renderMarkdown(reportOf("split: no clear bottleneck"));
    expect(split).toContain("## Bottleneck: no clear bottleneck");
    expect(split).toContain("What would decide it:");
  });
});

describe("reports stored before the diagnosis", () => {
  it("still render in HTML and Markdown, saying to run the audit again", async () => {
    const r = reportOf("reliability fire") as unknown as Record<string, unknown> & { dominant: { pressures: Array<Record<string, unknown>> } };
    const old = {
      ...r,
      diagnosis: undefined,
      followUp: undefined,
      dominant: {
        ...r.dominant,
        pressures: r.dominant.pressures.map((p) => ({
          ...p,
          summary: undefined,
          flow: undefined,
          customer: undefined,
          breakdown: { volume: 3, severity: 2, customer: 1, reactions: 0, duplicates: 0, age: 1 },
        })),
      },
    } as unknown as Parameters<typeof renderMarkdown>[0];
    const out = String(await (ReportPage({ report: old, workspaceName: "Old" }) as { toString(): string | Promise<string> }).toString());
    expect(out).toContain("This audit ran before the flow and customer diagnosis");
    expect(out).toMatch(/data-testid="headline-dominant">reliability</);
    expect(out).not.toContain("NaN");
    expect(renderMarkdown(old)).toContain("This audit ran before the flow and customer diagnosis");
  });
});
