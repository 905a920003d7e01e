/**
 * Sync failures on the Connections page, in Chromium against the real local stack (wrangler dev,
 * local D1 and queues, the sandbox trackers): the GitHub sandbox breaks one item of the next list
 * page, the admin presses "Sync now", the skipped item shows up as a failure (item, reason, when,
 * Retry); the tracker is fixed, the admin presses Retry, and the failure is gone for good.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, launchBrowser } from "./browser";

let browser: Browser;
const base = () => inject("baseUrl");
const ws = () => inject("demo")?.workspaceId as string;
/** global-setup starts the sandbox on the Worker's port + 1. */
const sandbox = () => {
  const u = new URL(base());
  u.port = String(Number(u.port) + 1);
  return u.origin;
};
const control = (path: string, body: unknown) =>
  fetch(`${sandbox()}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await control("/_control/faults", { tracker: "github", rate: 0, kinds: [] }).catch(() => undefined);
  await browser?.close();
});

async function pollPage(page: Page, url: string, what: string, ready: () => Promise<boolean>, timeoutMs = 40_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(url, { waitUntil: "domcontentloaded" });
    if (await ready()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} at ${url}: ${(await page.locator("main").innerText()).slice(0, 600)}`);
    await page.waitForTimeout(1000);
  }
}

describe("sync failures on the Connections page", () => {
  it("shows a skipped item with its reason and time, and Retry clears it once the tracker is fixed", async () => {
    const page = await browser.newPage();
    const url = `${base()}/w/${ws()}/connections`;
    const card = page.locator('[data-testid="connection-github"]');
    const failures = card.locator('[data-testid="sync-failure"]');
    await page.goto(url, { waitUntil: "domcontentloaded" });
    const before = await failures.count();

    // A person edits an issue; the next list page from GitHub has one malformed item.
    expect((await control("/_control/github/human", { repo: "acme/webapp", number: 3, patch: { title: "Checkout crashes when the cart is empty" } })).ok).toBe(
      true,
    );
    expect((await control("/_control/faults", { tracker: "github", rate: 1, kinds: ["malformed"], seed: 1 })).ok).toBe(true);
    await Promise.all([page.waitForURL(/done=sync-queued/), card.getByTestId("sync-now").click()]);
    await pollPage(page, url, "the skipped item to show as a sync failure", async () => (await failures.count()) > before);

    const row = failures.first();
    const cells = await row.locator("td").allInnerTexts();
    expect(cells[0]).toMatch(/^Item acme\/webapp#\d+ in acme\/webapp$/);
    expect(cells[1]).toMatch(/^skipped acme\/webapp#\d+: /);
    expect(await row.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "sync-failures-01-listed.png"), fullPage: true });

    // The tracker is fixed; the admin retries the failure.
    await control("/_control/faults", { tracker: "github", rate: 0, kinds: [] });
    const id = await row.getAttribute("data-failure-id");
    await Promise.all([page.waitForURL(/done=failure-retried/), row.getByTestId("retry-failure").click()]);
    await expect(page.getByTestId("flash").innerText()).resolves.toContain("Retry queued");
    await expect(page.locator(`[data-failure-id="${id}"]`).count()).resolves.toBe(0);
    // The retried sync re-fetches the item and records nothing new.
    await pollPage(page, url, "the retried sync to finish", async () => (await page.getByTestId("sync-running").count()) === 0);
    await page.waitForTimeout(2000);
    await page.goto(url, { waitUntil: "domcontentloaded" });
    await expect(failures.count()).resolves.toBe(before);
    await page.screenshot({ path: join(ARTIFACTS, "sync-failures-02-retried.png"), fullPage: true });
    await page.close();
  });
});
