/**
 * Scenario backlogs loaded into the demo app, audited by the running Worker
 * and read in a real browser: the headline names the expected bottleneck (or
 * "no clear bottleneck"), and the evidence section explains it in words.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Issue } from "../../domain/types";
import { NOW } from "../unit/audit/scenarios/build";
import { SCENARIOS } from "../unit/audit/scenarios/scenarios";
import { ARTIFACTS, launchBrowser } from "./browser";

const base = () => inject("baseUrl");

/** Moves a scenario written for NOW to the Worker's real clock, so its windows hold. */
function shifted(issue: Issue, ms: number): Issue {
  const t = (x: string | null | undefined) => (x ? new Date(Date.parse(x) + ms).toISOString() : x);
  return {
    ...issue,
    createdAt: t(issue.createdAt)!,
    updatedAt: t(issue.updatedAt)!,
    closedAt: t(issue.closedAt) ?? null,
    startedAt: t(issue.startedAt) ?? null,
    iteration: issue.iteration ? { ...issue.iteration, startsAt: t(issue.iteration.startsAt) ?? null, endsAt: t(issue.iteration.endsAt) ?? null } : null,
  };
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const CASES = [
  {
    kind: "reliability fire",
    headline: "reliability",
    evidence: "reliability",
    words: /Customers: .*support tickets? linked.*incident or error reports? linked/,
    followUp: false,
  },
  {
    kind: "volume is adoption, pain is activation",
    headline: "activation",
    evidence: "activation",
    words: /Customers: 7 customer requests from 7 customers \(\$685k revenue\)/,
    followUp: false,
  },
  {
    kind: "balanced: no clear bottleneck",
    headline: "no clear bottleneck",
    evidence: "reliability",
    words: /Severity: urgent or high priority/,
    followUp: false,
  },
  { kind: "follow-up: move on", headline: "activation", evidence: "activation", words: /Customers: 8 customer requests/, followUp: true },
] as const;

describe("scenario backlogs in the demo report", () => {
  it.each(CASES)("$kind → $headline", async (c) => {
    const s = SCENARIOS.find((x) => x.kind === c.kind)!;
    const ms = Date.now() - NOW.getTime();
    const res = await fetch(`${base()}/dev/fixtures/scenario`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: s.name,
        tracker: s.rows[0]!.issue.tracker,
        issues: s.rows.map((r) => shifted(r.issue, ms)),
        focus: s.settings?.focus ?? null,
        focusSince: s.settings?.focusSince ? new Date(Date.parse(s.settings.focusSince) + ms).toISOString() : null,
      }),
    });
    expect(res.status).toBe(201);
    const { workspaceId } = (await res.json()) as { workspaceId: string };
    const run = await fetch(`${base()}/api/v1/workspaces/${workspaceId}/audits`, { method: "POST" });
    expect(run.status).toBe(201);
    const { report } = (await run.json()) as { report: { diagnosis: { sentence: string }; drift: { level: string } } };
    expect(report.drift.level).toBe(s.expect.drift);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    expect((await page.goto(`${base()}/w/${workspaceId}/report`))?.status()).toBe(200);
    await expect(page.getByTestId("headline-dominant").innerText()).resolves.toBe(c.headline);
    await expect(page.getByTestId("drift-level").innerText()).resolves.toBe(s.expect.drift);
    await expect(page.getByTestId("diagnosis-sentence").innerText()).resolves.toBe(report.diagnosis.sentence);
    await expect(page.getByTestId(`evidence-${c.evidence}`).innerText()).resolves.toMatch(c.words);
    await expect(page.getByTestId("pressure-chart").getAttribute("aria-label")).resolves.toMatch(/^Evidence pressure by constraint and kind\./);
    if (s.expect.constraint === null) await expect(page.getByTestId("deciding-evidence").locator("li").count()).resolves.toBeGreaterThan(0);
    await expect(page.getByTestId("follow-up").count()).resolves.toBe(c.followUp ? 1 : 0);
    if (c.followUp) await expect(page.getByTestId("follow-up-decision").innerText()).resolves.toBe("move-on");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.getByTestId("diagnosis").screenshot({ path: join(ARTIFACTS, `scenario-${c.kind.replace(/[^a-z]+/g, "-")}.png`) });
    expect(errors).toEqual([]);
    await page.close();
  });
});
