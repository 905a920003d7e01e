/**
 * Linear rate limits: the simulator's budgets are configurable and default to the conservative
 * published figures; the connector paces by the rate-limit headers, so a request the budget cannot
 * cover is not sent (no refused request), and the sync resumes once the bucket has refilled.
 */
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../../../connectors/errors";
import { paceUntil } from "../../../../connectors/linear/client";
import { LINEAR_DEFAULT_BUDGETS } from "../../../../sandbox/linear";
import { setup } from "./setup";

describe("Linear rate-limit budgets and pacing", () => {
  it("the simulator defaults to 2,500 requests and 250,000 complexity an hour", async () => {
    const c = setup();
    expect(LINEAR_DEFAULT_BUDGETS).toEqual({ requests: 2_500, complexity: 250_000 });
    const res = await c.fetch("http://sandbox.test/linear/api/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${c.auth.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { id } }" }),
    });
    expect(res.headers.get("x-ratelimit-requests-limit")).toBe("2500");
    expect(res.headers.get("x-ratelimit-complexity-limit")).toBe("250000");
  });

  it("paces a sync through a small complexity budget: never refused, paused until the refill, every issue once", async () => {
    let now = Date.UTC(2026, 11, 6, 12);
    const clock = () => now;
    const statuses: number[] = [];
    const c = setup({
      sandbox: { now: clock, seed: { issues: 0 }, rateLimits: { requests: 1_000, complexity: 20_000, windowMs: 3_600_000 } },
      connector: { now: clock },
    });
    const ids = c.sandbox.seedIssues(1_200);
    const inner = c.fetch;
    const counted = async (input: Request | string | URL, init?: RequestInit) => {
      const res = await inner(input, init);
      statuses.push(res.status);
      return res;
    };
    // The same connector over a fetch that records every answer's status.
    const { createLinearConnector } = await import("../../../../connectors/linear");
    const connector = createLinearConnector({
      fetch: counted,
      apiBase: "http://sandbox.test/linear/api",
      oauthBase: "http://sandbox.test/linear",
      clientId: "lin_client",
      clientSecret: "lin_secret",
      now: clock,
    });

    const seen = new Set<string>();
    let cursor: string | null = null;
    let pauses = 0;
    const started = now;
    for (let guard = 0; guard < 200; guard++) {
      try {
        const page = await connector.listIssues(c.auth, c.scope, cursor);
        for (const i of page.issues) seen.add(i.externalId);
        cursor = page.cursor;
        if (!page.hasMore) break;
      } catch (e) {
        expect(e).toBeInstanceOf(ConnectorError);
        const err = e as ConnectorError;
        expect(err.code).toBe("rate-limited");
        expect(err.details.reason).toBe("complexity");
        expect(err.details.retryAt!).toBeGreaterThan(now);
        pauses++;
        now = err.details.retryAt!; // the pipeline re-enqueues the job for then
      }
    }
    expect(seen.size).toBe(ids.length);
    expect(pauses, "the budget (20,000 ≈ 3 pages of ~5,850) forced pauses").toBeGreaterThan(0);
    expect(
      statuses.filter((s) => s !== 200),
      "no request was sent only to be refused",
    ).toEqual([]);
    // Five pages need ~29,000 points: at 20,000 an hour the sync takes roughly half an hour, not less.
    expect(now - started).toBeGreaterThan(15 * 60_000);
  });
});

describe("paceUntil: the bucket refills evenly until its reset", () => {
  const hour = 3_600_000;
  // 10,000 of 250,000 left at t = 0, full at t = 1 h: 240,000 points an hour refill.
  const b = { limit: 250_000, remaining: 10_000, reset: hour, at: 0 };
  it("waits for the deficit's share of the time to the reset", () => {
    expect(paceUntil(b, 6_000, 0)).toBeNull();
    expect(paceUntil(b, 34_000, 0)).toBe(hour / 10); // 24,000 missing of 240,000
  });
  it("after a pause, counts the refill since the answer was read (no new answer needed)", () => {
    expect(paceUntil(b, 34_000, hour / 10)).toBeNull();
    expect(paceUntil(b, 34_000, hour / 20)).toBe(hour / 10);
  });
  it("without the answer's time, from now (as before)", () => {
    const { at: _at, ...noTime } = b;
    expect(paceUntil(noTime, 34_000, 0)).toBe(hour / 10);
  });
});
