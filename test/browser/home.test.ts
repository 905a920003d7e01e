import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, launchBrowser } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("the landing page in a real browser", () => {
  it("renders under the CSP without console errors", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    const res = await page.goto(`${inject("baseUrl")}/`);
    expect(res?.status()).toBe(200);
    await expect(page.locator("h1").innerText()).resolves.toBe("Backlog Auditor");
    // The inline style ran under the nonce-based CSP: the body got its font.
    const font = await page.evaluate<string>("getComputedStyle(document.body).fontFamily");
    expect(font).toContain("system-ui");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "home.png") });
    expect(problems).toEqual([]);
    await page.close();
  });
});
