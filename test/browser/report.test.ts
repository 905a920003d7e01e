/**
 * The demo report in a real browser: headline figures and tables match the JSON
 * API, an explanation expands, charts render, and hostile issue text is text.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, launchBrowser } from "./browser";

const base = () => inject("baseUrl");
const ws = () => inject("demo")?.workspaceId as string;
const HOSTILE = "<script>alert(1)</script>";

interface Row {
  key: string;
  title: string;
}
interface Latest {
  id: string;
  report: {
    headline: string;
    dominant: { constraint: string; runnerUp: string | null };
    drift: { value: number | null; level: string };
    wishList: { total: number; rows: Row[] };
    missingFromPlan: { total: number; rows: Row[] };
  };
}

let browser: Browser;
let latest: Latest;
beforeAll(async () => {
  browser = await launchBrowser();
  const before = (await (await fetch(`${base()}/api/v1/workspaces/${ws()}/audits/latest`)).json()) as Latest;
  const dominant = before.report.dominant.constraint;
  // A strongly evidenced, unplanned issue on the dominant constraint, titled with a script tag:
  // it must show up in "missing from the plan" (and the evidence table), as text.
  const res = await fetch(`${base()}/dev/fixtures/issue`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      tracker: "github",
      externalId: "fixture-hostile-1",
      key: "acme/webapp#99999",
      url: "https://github.com/acme/webapp/issues/99999",
      title: `${HOSTILE} customers cannot find the upgrade path`,
      body: "Support escalation from three customers this week.",
      labels: [`constraint:${dominant}`],
      state: "open",
      stateCategory: "todo",
      priority: 1,
      reactions: 120,
      duplicateCount: 6,
      commentCount: 12,
      createdAt: "2026-06-01T00:00:00Z",
      updatedAt: new Date().toISOString(),
    }),
  });
  expect(res.status).toBe(201);
  const created = await fetch(`${base()}/api/v1/workspaces/${ws()}/audits`, { method: "POST" });
  expect(created.status).toBe(201);
  latest = (await created.json()) as Latest;
});
afterAll(async () => {
  await browser?.close();
});

describe("the demo report", () => {
  it("shows the JSON API's figures, tables, charts and explanations, with hostile text escaped", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const res = await page.goto(`${base()}/w/${ws()}/report`);
    expect(res?.status()).toBe(200);

    const r = latest.report;
    await expect(page.getByTestId("headline-dominant").innerText()).resolves.toBe(r.dominant.constraint);
    const drift = r.drift.value === null ? "n/a" : `${Math.round(r.drift.value * 100)}%`;
    await expect(page.getByTestId("drift-percent").innerText()).resolves.toBe(drift);
    await expect(page.getByTestId("drift-level").innerText()).resolves.toBe(r.drift.level);
    for (const chart of ["drift-gauge", "distribution-chart", "trend-chart"]) await expect(page.getByTestId(chart).count()).resolves.toBe(1);

    // The tables hold the API's rows, in order.
    const missing = page.getByTestId("missing-table");
    expect(r.missingFromPlan.rows.map((x) => x.key)).toContain("acme/webapp#99999");
    const keys = await missing.locator("tbody tr td:first-child").allInnerTexts();
    expect(keys).toEqual(r.missingFromPlan.rows.map((x) => x.key));
    if (r.wishList.total > 0) {
      const wishKeys = await page.getByTestId("wishlist-table").locator("tbody tr td:first-child").allInnerTexts();
      expect(wishKeys).toEqual(r.wishList.rows.map((x) => x.key));
    }

    // The script tag is text, not markup: visible as typed, escaped in the HTML, and nothing ran.
    const row = missing.locator("tbody tr", { hasText: "acme/webapp#99999" });
    await expect(row.locator("td").nth(1).innerText()).resolves.toContain(HOSTILE);
    expect(await row.locator("td").nth(1).innerHTML()).toContain("&lt;script&gt;");
    expect(await page.locator("script").count()).toBe(0);

    // Expand the row's explanation.
    const details = row.locator("details");
    await expect(details.evaluate((d) => (d as unknown as { open: boolean }).open)).resolves.toBe(false);
    await details.locator("summary").click();
    await expect(details.evaluate((d) => (d as unknown as { open: boolean }).open)).resolves.toBe(true);
    await expect(details.innerText()).resolves.toMatch(/Constraint: .+\(confidence 100%\)/);
    await expect(details.innerText()).resolves.toContain("Scores: impact");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("offers Markdown and CSV exports of the same audit", async () => {
    const md = await (await fetch(`${base()}/w/${ws()}/report.md`)).text();
    expect(md).toContain("# Backlog audit");
    expect(md).not.toContain(HOSTILE);
    const csv = await fetch(`${base()}/w/${ws()}/report.csv`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(await csv.text()).toContain("acme/webapp#99999");
  });
});
