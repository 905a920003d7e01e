/**
 * The onboarding walk-through in Chromium against the real local stack
 * (wrangler dev, local D1 and queues, the sandbox trackers): sign in with
 * GitHub → connect GitHub → pick repositories → wait for the first sync →
 * read the report → switch the write mode off and back to dry-run → see the
 * dry-run diff on the write-back page. A screenshot of each step goes to
 * test-artifacts/onboarding-*.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, launchBrowser } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const STEP_TIMEOUT = 20_000;

async function shot(page: Page, n: number, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `onboarding-${String(n).padStart(2, "0")}-${name}.png`), fullPage: true });
}

/** Reloads `url` until `ready` holds (the pages have no script: polling is how a person would wait too). */
async function pollPage(page: Page, url: string, what: string, ready: () => Promise<boolean>, timeoutMs = 40_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(url, { waitUntil: "domcontentloaded" });
    if (await ready()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} at ${url}: ${(await page.locator("main, body").first().innerText()).slice(0, 400)}`);
    await page.waitForTimeout(1000);
  }
}

describe("onboarding in a real browser", () => {
  it("signs in, connects GitHub, syncs, reports, changes the write mode and shows the dry-run diff", async () => {
    const base = inject("baseUrl");
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const problems: string[] = [];
    // Chromium asks every origin for /favicon.ico; the sandbox tracker has none, which is not the app's problem.
    page.on("console", (m) => m.type() === "error" && !m.location().url.endsWith("/favicon.ico") && problems.push(`${m.text()} @ ${m.location().url}`));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.request().method()} ${r.url()}`));

    // 1. Sign in with GitHub, approve on the sandbox's consent page, land in a new workspace.
    await page.goto(`${base}/signin`);
    await shot(page, 1, "signin");
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.locator("#js-oauth-authorize-btn").waitFor();
    await shot(page, 2, "github-consent");
    await Promise.all([page.waitForURL(/\/w\/[^/]+\/report/), page.locator("#js-oauth-authorize-btn").click()]);
    const wsId = /\/w\/([^/]+)\/report/.exec(page.url())![1]!;
    await expect(page.getByTestId("no-audit").innerText()).resolves.toContain("Connect a tracker");
    await shot(page, 3, "new-workspace");

    // 2. Connect GitHub from the connections page, approve, pick the repositories.
    const connections = `${base}/w/${wsId}/connections`;
    await page.goto(connections);
    await expect(page.getByTestId("no-connections").count()).resolves.toBe(1);
    await page.getByTestId("connect-github").click();
    await page.locator("#js-oauth-authorize-btn").waitFor();
    await Promise.all([page.waitForURL(/\/connections\/[^/]+\/scopes$/), page.locator("#js-oauth-authorize-btn").click()]);
    const picker = page.getByTestId("scope-picker");
    const boxes = picker.locator('input[type="checkbox"][name="scope"]');
    expect(await boxes.count()).toBeGreaterThan(0);
    for (const box of await boxes.all()) await box.check();
    await shot(page, 4, "scope-picker");
    await Promise.all([page.waitForURL(/\/connections\?done=syncing$/), picker.getByRole("button", { name: "Start the first sync" }).click()]);
    await shot(page, 5, "sync-started");

    // 3. Wait on the connections page until every scope has synced.
    await pollPage(page, connections, "the first sync", async () => {
      // Columns: scope, status, last synced, next run, issues synced, last error. A scope starts "idle" and "never" synced.
      const rows = await page
        .locator('[data-testid="connection-github"] [data-testid="sync-status"] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())));
      return (
        rows.length > 0 && rows.every((r) => r.length >= 5 && r[1] === "idle" && r[2] !== "never") && (await page.getByTestId("sync-running").count()) === 0
      );
    });
    const synced = await page.locator('[data-testid="sync-status"] tbody td.num').allInnerTexts();
    expect(synced.map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await shot(page, 6, "synced");

    // 4. The report: the headline (dominant constraint) and the drift figure.
    await pollPage(page, `${base}/w/${wsId}/report`, "the first audit", async () => (await page.getByTestId("headline-dominant").count()) > 0).catch(
      async (e: Error) => {
        const audits = await page.request.get(`${base}/api/v1/workspaces/${wsId}/audits`);
        throw new Error(`${e.message}\n/audits answered ${audits.status()}: ${(await audits.text()).slice(0, 300)}`);
      },
    );
    await expect(page.getByTestId("headline-dominant").innerText()).resolves.toMatch(
      /^(activation|adoption|reliability|operations|throughput|not inferred|no clear bottleneck)$/,
    );
    await expect(page.getByTestId("drift-percent").innerText()).resolves.toMatch(/\d+(\.\d+)?\s*%/);
    await shot(page, 7, "report");

    // 5. Settings: the write mode starts at dry-run; switch it off, then back to dry-run.
    await page.goto(`${base}/w/${wsId}/settings`);
    await expect(page.getByTestId("write-mode-dry-run").isChecked()).resolves.toBe(true);
    for (const mode of ["off", "dry-run"] as const) {
      await page.getByTestId(`write-mode-${mode}`).check();
      await Promise.all([page.waitForURL(/\/settings\?done=settings-saved$/), page.getByTestId("settings-save").click()]);
      await expect(page.getByTestId(`write-mode-${mode}`).isChecked()).resolves.toBe(true);
      await shot(page, mode === "off" ? 8 : 9, `write-mode-${mode}`);
    }

    // 6. The write-back page: the dry-run diff lists the labels a run would add.
    await page.goto(`${base}/w/${wsId}/writeback`);
    await expect(page.getByTestId("writeback-mode").first().innerText()).resolves.toBe("dry-run");
    const diff = page.getByTestId("dryrun-diff").first();
    await diff.waitFor();
    const text = await diff.innerText();
    expect(text).toMatch(/\+ constraint:(activation|adoption|reliability|operations|throughput)/);
    await shot(page, 10, "dry-run-diff");

    expect(problems).toEqual([]);
    await page.close();
  });
});
