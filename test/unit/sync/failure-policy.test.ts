/**
 * The one mapping from a failed job's error to stop, delay or retry (src/sync/failure-policy.ts),
 * which the queue consumer and the sync handlers both ask.
 * Run: npx vitest run --project unit test/unit/sync/failure-policy.test.ts
 */
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../../connectors/errors";
import { backoffSeconds, decideFailure, MAX_DELAY_S } from "../../../src/sync/failure-policy";

const NOW = Date.UTC(2026, 0, 1);

describe("decideFailure", () => {
  it.each([
    ["auth", new ConnectorError("auth", "token revoked"), { kind: "stop", code: "auth", reason: "auth: token revoked" }],
    ["forbidden", new ConnectorError("forbidden", "app uninstalled"), { kind: "stop", code: "forbidden", reason: "forbidden: app uninstalled" }],
    [
      "rate-limited with a reset time",
      new ConnectorError("rate-limited", "slow", { retryAt: NOW + 90_500 }),
      { kind: "delay", retryAt: NOW + 90_500, delaySeconds: 91 },
    ],
    ["rate-limited without one", new ConnectorError("rate-limited", "slow"), { kind: "delay", retryAt: NOW + 60_000, delaySeconds: 60 }],
    [
      "rate-limited past its reset",
      new ConnectorError("rate-limited", "slow", { retryAt: NOW - 5_000 }),
      { kind: "delay", retryAt: NOW - 5_000, delaySeconds: 1 },
    ],
    [
      "rate-limited for two days",
      new ConnectorError("rate-limited", "slow", { retryAt: NOW + 2 * 86_400_000 }),
      { kind: "delay", retryAt: NOW + 2 * 86_400_000, delaySeconds: MAX_DELAY_S },
    ],
  ])("%s", (_name, error, expected) => {
    expect(decideFailure(error, 1, NOW)).toEqual(expected);
  });

  it.each([
    ["upstream", new ConnectorError("upstream", "502")],
    ["invalid-response", new ConnectorError("invalid-response", "bad json")],
    ["not a connector error", new Error("D1 hiccup")],
  ])("%s retries with backoff", (_name, error) => {
    for (const attempts of [1, 3, 6]) {
      const d = decideFailure(error, attempts, NOW);
      if (d.kind !== "retry") throw new Error(`expected a retry, got ${d.kind}`);
      const cap = Math.min(300, 2 ** attempts * 2);
      expect(d.delaySeconds).toBeGreaterThanOrEqual(Math.max(1, Math.round(cap / 2)));
      expect(d.delaySeconds).toBeLessThanOrEqual(cap);
    }
  });

  it("backs off exponentially up to five minutes", () => {
    expect([1, 2, 3, 8, 20].map((a) => backoffSeconds(a, () => 1))).toEqual([4, 8, 16, 300, 300]);
    expect(MAX_DELAY_S).toBe(43_200);
  });
});
