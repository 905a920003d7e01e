import { describe, expect, it } from "vitest";
import { Layout, ReportPage } from "../../../src/report";
import { HISTORY, hostileReport } from "./fixture";

const render = async (props: Parameters<typeof ReportPage>[0]) => String(await (ReportPage(props) as { toString(): string | Promise<string> }).toString());

describe("ReportPage", async () => {
  const report = hostileReport();
  const html = await render({
    report,
    history: HISTORY,
    workspaceName: "Acme <b>Corp</b>",
    nonce: "n0nce",
    links: { nav: [{ href: "/audits", label: "Audits" }], csv: "/audits/1.csv", markdown: "javascript:alert(1)" },
  });

  it("escapes the hostile title: no live script, text still shown", () => {
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<b>Corp</b>");
  });

  it("never links to javascript: URLs", () => {
    expect(html).not.toMatch(/href="javascript:/i);
  });

  it("is a full accessible page", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    for (const s of [`<html lang="en">`, "<main", "<header", "<footer", "<nav", "<h1", "<caption>", "<details>", "<summary>", 'scope="col"']) {
      expect(html).toContain(s);
    }
    expect(html).toContain('<style nonce="n0nce">');
  });

  it.each(["headline-dominant", "drift-percent", "drift-level", "wishlist-table", "missing-table", "trend-chart", "distribution-chart", "drift-gauge"])(
    "has data-testid=%s",
    (id) => {
      expect(html).toContain(`data-testid="${id}"`);
    },
  );

  it("charts are labelled images", () => {
    for (const id of ["drift-gauge", "trend-chart", "distribution-chart"]) {
      expect(html).toMatch(new RegExp(`<svg data-testid="${id}" role="img" aria-label="[^"]+"`));
    }
  });

  it("shows the verdict values", () => {
    expect(html).toMatch(/data-testid="headline-dominant">reliability</);
    expect(html).toMatch(new RegExp(`data-testid="drift-percent">${Math.round(report.drift.value! * 100)}%<`));
    expect(html).toContain(`data-testid="drift-level">${report.drift.level}<`);
  });

  it("trend chart plots history plus the current audit", () => {
    const trend = html.slice(html.indexOf('data-testid="trend-chart"'));
    expect((trend.slice(0, trend.indexOf("</svg>")).match(/<circle/g) ?? []).length).toBe(3);
  });

  it("explains each issue with rules, matched text and scores", () => {
    expect(html).toContain("<code>test.reliability</code>");
    expect(html).toMatch(/Scores: impact \d, evidence \d, confidence \d, timing \d/);
  });

  it("shows declared vs inferred focus", () => {
    expect(html).toContain("Declared focus");
    expect(html).toContain("focus-disagrees");
  });

  it("renders with no history and no dominant", async () => {
    const { runAudit } = await import("../../../src/core/audit");
    const empty = runAudit({ issues: [], score: () => ({ impact: 3, evidence: 3, confidence: 3, timing: 3, reasons: [] }), now: new Date() });
    const out = await render({ report: empty, workspaceName: "Empty" });
    expect(out).toContain('data-testid="drift-percent">n/a<');
    expect(out).toContain("No drift measured yet");
  });
});

describe("Layout", () => {
  it("renders nav slots and children", async () => {
    const out = String(
      await (
        Layout({ title: "T <x>", nav: [{ href: "/a", label: "A", current: true }], children: "hello" }) as { toString(): string | Promise<string> }
      ).toString(),
    );
    expect(out).toContain("<title>T &lt;x&gt;</title>");
    expect(out).toContain('aria-current="page"');
    expect(out).toContain('<main id="main">hello</main>');
  });
});
