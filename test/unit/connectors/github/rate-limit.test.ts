/** GitHub primary and secondary rate limits, from headers to ConnectorError. */
import { describe, expect, it } from "vitest";
import { readGithubRateLimit, SECONDARY_MIN_WAIT_MS } from "../../../../connectors/github/rate-limit";
import type { ConnectorError } from "../../../../connectors/errors";
import { wire } from "./setup";

const NOW = Date.UTC(2026, 0, 1, 12);

describe("readGithubRateLimit", () => {
  it.each([
    [
      "200 with headers: state only",
      200,
      { "x-ratelimit-remaining": "10", "x-ratelimit-limit": "5000", "x-ratelimit-reset": String(NOW / 1000 + 60) },
      "",
      false,
      null,
      undefined,
    ],
    [
      "403 primary exhausted: until reset + 1 s",
      403,
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 600) },
      '{"message":"API rate limit exceeded"}',
      true,
      NOW + 601_000,
      "primary",
    ],
    ["429 primary exhausted", 429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 30) }, "{}", true, NOW + 31_000, "primary"],
    [
      "403 secondary with retry-after",
      403,
      { "retry-after": "90", "x-ratelimit-remaining": "4000" },
      '{"message":"You have exceeded a secondary rate limit"}',
      true,
      NOW + 90_000,
      "secondary",
    ],
    [
      "403 secondary message only: at least a minute",
      403,
      { "x-ratelimit-remaining": "4000" },
      '{"message":"You have exceeded a secondary rate limit. Please wait"}',
      true,
      NOW + SECONDARY_MIN_WAIT_MS,
      "secondary",
    ],
    [
      "403 forbidden is not a rate limit",
      403,
      { "x-ratelimit-remaining": "4000" },
      '{"message":"Resource not accessible by integration"}',
      false,
      null,
      undefined,
    ],
  ])("%s", (_name, status, headers, text, limited, retryAt, reason) => {
    const r = readGithubRateLimit({ status, headers: new Headers(headers as Record<string, string>), text }, NOW);
    expect(r.limited).toBe(limited);
    expect(r.retryAt).toBe(retryAt);
    expect(r.reason).toBe(reason);
  });
});

describe("GitHub rate limits against the sandbox", () => {
  it.each([403, 429] as const)("a spent primary budget answers %i with remaining 0 → rate-limited until the reset", async (status) => {
    const w = wire();
    w.sandbox.limits.primary.limit = 3;
    w.sandbox.limits.primary.status = status;
    const token = w.sandbox.issueInstallationToken(undefined, 2 * 3600_000);
    const auth = { accessToken: token };
    for (let k = 0; k < 3; k++) await w.connector.listIssues(auth, w.scope(), null);
    expect(w.connector.rateLimit()).toMatchObject({ limit: 3, remaining: 0, resource: "core" });
    const err = (await w.connector.listIssues(auth, w.scope(), null).catch((e) => e)) as ConnectorError;
    expect(err.code).toBe("rate-limited");
    expect(err.details).toMatchObject({ status, reason: "primary" });
    expect(err.details.retryAt).toBe(w.connector.rateLimit().resetAt! + 1000);
    // After the window the budget is back: the same request returns the issues, and the new window is counted from full.
    w.sandbox.advanceClock(3600_000);
    const page = await w.connector.listIssues(auth, w.scope(), null);
    expect(page.issues.length).toBeGreaterThan(0);
    expect(page.issues.every((i) => i.key.startsWith("acme/webapp#"))).toBe(true);
    expect(w.connector.rateLimit()).toMatchObject({ limit: 3, remaining: 2, resource: "core" });
  });

  it("the secondary content-creation limit (80 writes/min) → rate-limited with retry-after, reads still pass", async () => {
    const w = wire();
    w.sandbox.limits.secondary.enabled = true;
    const token = w.sandbox.issueInstallationToken();
    const auth = { accessToken: token };
    let failure: ConnectorError | null = null;
    let written = 0;
    for (let n = 1; n <= 60 && !failure; n++) {
      const ref = { externalId: "x", key: `acme/webapp#${n}`, scope: w.scope() };
      try {
        await w.connector.ensureComment(auth, ref, "backlog-auditor:v1", `comment ${n}`);
        await w.connector.ensureComment(auth, ref, "backlog-auditor:v1", `comment ${n} edited`);
        written += 2;
      } catch (e) {
        failure = e as ConnectorError;
      }
    }
    expect(written).toBe(80);
    expect(failure?.code).toBe("rate-limited");
    expect(failure?.details.reason).toBe("secondary");
    const wait = failure!.details.retryAt! - Date.now();
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    await expect(w.connector.getIssue(auth, { externalId: "x", key: "acme/webapp#1", scope: w.scope() })).resolves.toMatchObject({ key: "acme/webapp#1" });
  });

  it("a secondary limit without retry-after waits at least 60 s", async () => {
    const w = wire();
    Object.assign(w.sandbox.limits.secondary, { enabled: true, writesPerMinute: 1, sendRetryAfter: false });
    const auth = { accessToken: w.sandbox.issueInstallationToken() };
    const ref = { externalId: "x", key: "acme/webapp#1", scope: w.scope() };
    await w.connector.ensureComment(auth, ref, "m", "one");
    const before = Date.now();
    const err = (await w.connector.ensureComment(auth, ref, "m", "two").catch((e) => e)) as ConnectorError;
    expect(err.code).toBe("rate-limited");
    expect(err.details.retryAt).toBeGreaterThanOrEqual(before + SECONDARY_MIN_WAIT_MS);
  });
});
