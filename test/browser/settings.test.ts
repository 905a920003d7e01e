/**
 * The settings page in Chromium against the real stack (wrangler dev, local D1,
 * demo workspace): a broken rule pack shows its error inline, a fixed one
 * previews and saves, the write mode switches, and the write-back page renders.
 * No script runs on these pages: plain forms under a strict CSP.
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

const BROKEN = `version: 1
extends: default
rules:
  - id: backref
    when: { fact: title, regex: "(a)\\\\1" }
    then: { vote: { constraint: reliability, weight: 1 } }
`;
const FIXED = BROKEN.replace('regex: "(a)\\\\1"', "keywords: [flaky, flake]");

async function submit(page: Page, testId: string, url: RegExp) {
  await Promise.all([page.waitForURL(url), page.getByTestId(testId).click()]);
}

describe("the settings page in a real browser", () => {
  it("validates, previews and saves a rule pack, switches the write mode, and the write-back page renders", async () => {
    const base = inject("baseUrl");
    const wsId = inject("demo")?.workspaceId;
    expect(wsId, "the demo workspace was seeded").toBeTruthy();
    const page = await browser.newPage();
    const problems: string[] = [];
    // The invalid pack's page is a deliberate 422; Chromium logs every 4xx document as a console error.
    page.on("console", (m) => m.type() === "error" && !/status of 422/.test(m.text()) && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));

    const res = await page.goto(`${base}/w/${wsId}/settings`);
    expect(res?.status()).toBe(200);
    const editor = page.getByTestId("rulepack-editor");

    // A backreference: RE2 refuses it; the error is inline, with its line, and the text stays.
    await editor.fill(BROKEN);
    await submit(page, "rulepack-preview-button", /\/settings\/rules\/preview$/);
    const errors = page.getByTestId("rulepack-errors");
    await expect(errors.innerText()).resolves.toMatch(/line 5 · rules\.0\.when\.regex · RE2 cannot compile/);
    await expect(editor.inputValue()).resolves.toBe(BROKEN);
    await expect(page.getByTestId("rulepack-preview").count()).resolves.toBe(0);

    // Fixed: the preview shows the new rule's match count.
    await editor.fill(FIXED);
    await submit(page, "rulepack-preview-button", /\/settings\/rules\/preview$/);
    await expect(page.getByTestId("rulepack-errors").count()).resolves.toBe(0);
    await expect(page.locator('[data-testid="rulepack-preview"] tr[data-rule-id="backref"]').count()).resolves.toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "settings-preview.png"), fullPage: true });

    // Save: back on the settings page with a status message and the saved pack in the editor.
    await submit(page, "rulepack-save-button", /\/settings\?done=rules-saved$/);
    await expect(page.getByTestId("flash").innerText()).resolves.toContain("Rule pack saved");
    await expect(editor.inputValue()).resolves.toBe(FIXED);

    // Write mode: off, then dry-run; each save comes back checked.
    for (const mode of ["off", "dry-run"] as const) {
      await page.getByTestId(`write-mode-${mode}`).check();
      await submit(page, "settings-save", /\/settings\?done=settings-saved$/);
      await expect(page.getByTestId(`write-mode-${mode}`).isChecked()).resolves.toBe(true);
    }

    // Focus since: a date comes back as saved (and in the API), then clears.
    await page.locator("#focusSince").fill("2026-09-01");
    await submit(page, "settings-save", /\/settings\?done=settings-saved$/);
    await expect(page.locator("#focusSince").inputValue()).resolves.toBe("2026-09-01");
    const api = (await (await fetch(`${base}/api/v1/workspaces/${wsId}/settings`)).json()) as { focusSince: string | null };
    expect(api.focusSince).toBe("2026-09-01T00:00:00.000Z");
    await page.locator("#focusSince").fill("");
    await submit(page, "settings-save", /\/settings\?done=settings-saved$/);
    await expect(page.locator("#focusSince").inputValue()).resolves.toBe("");

    // The write-back page renders, with the ledger and its export.
    const wb = await page.goto(`${base}/w/${wsId}/writeback`);
    expect(wb?.status()).toBe(200);
    await expect(page.locator("h1").innerText()).resolves.toBe("Write-back");
    await expect(page.getByTestId("ledger-table").count()).resolves.toBe(1);
    await expect(page.getByTestId("ledger-export-csv").getAttribute("href")).resolves.toBe(`/api/v1/workspaces/${wsId}/ledger?format=csv`);
    // The page's styles applied under the nonce-based CSP (visible focus outline rule included).
    const font = await page.evaluate<string>("getComputedStyle(document.body).fontFamily");
    expect(font).toContain("system-ui");
    expect(problems).toEqual([]);
    await page.close();
  });
});
