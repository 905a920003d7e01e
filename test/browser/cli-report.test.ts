/**
 * `backlog-audit audit … --format html --out FILE`: the file is the Worker's
 * report page, self-contained. Opened from disk in Chromium it shows the charts
 * and tables, loads nothing from anywhere else, and logs no console errors.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs build script without type declarations
import { buildCli } from "../../scripts/build-cli.mjs";
import { launchBrowser } from "./browser";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "backlog-audit-html-"));
let browser: Browser;

beforeAll(async () => {
  await buildCli({ quiet: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("backlog-audit audit --format html", () => {
  it("writes a self-contained report page with the charts and tables", async () => {
    const out = join(dir, "audit.html");
    const r = spawnSync(
      join(root, "node_modules/.bin/node"),
      [join(root, "bin/backlog-audit.mjs"), "audit", "test/fixtures/import/jira-export.csv", "--format", "html", "--out", out],
      { cwd: root, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");

    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("request", (req) => requests.push(req.url()));
    const url = pathToFileURL(out).href;
    await page.goto(url);

    for (const chart of ["drift-gauge", "distribution-chart", "trend-chart", "pressure-chart"]) {
      const svg = page.getByTestId(chart);
      await expect(svg.count()).resolves.toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(50);
    }
    await expect(page.getByTestId("headline-dominant").innerText()).resolves.toMatch(
      /^(activation|adoption|reliability|operations|throughput|no clear bottleneck)$/,
    );
    const rows = await page.locator("table tbody tr").count();
    expect(rows).toBeGreaterThan(0);
    const text = await page.locator("body").innerText();
    expect(text).toContain("Backlog audit: jira-export.csv");
    expect(text).toContain("Evidence by constraint"); // the diagnosis section, from the same renderer as the Worker's page
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
