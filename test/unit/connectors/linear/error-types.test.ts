/**
 * Linear's `extensions.type` values, as @linear/sdk names them (its errorMap: "feature not accessible",
 * "usage limit exceeded", "invalid input"), map to the connector's codes, so the pipeline stops,
 * waits or reports instead of treating them as an unreadable answer.
 */
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../../../connectors/errors";
import { createLinearConnector } from "../../../../connectors/linear";
import { CLIENT } from "./setup";

function canned(status: number, type: string, code?: string) {
  return createLinearConnector({
    fetch: async () =>
      new Response(
        JSON.stringify({ errors: [{ message: `${type} happened`, extensions: { type, ...(code ? { code } : {}), userPresentableMessage: `${type}!` } }] }),
        {
          status,
          headers: { "content-type": "application/json" },
        },
      ),
    apiBase: "https://api.linear.test",
    oauthBase: "https://linear.test",
    ...CLIENT,
  });
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConnectorError) return e;
    throw e;
  }
  throw new Error("expected a ConnectorError");
}

const ref = { externalId: "i1", key: "ENG-1", scope: { kind: "team" as const, id: "t", name: "ENG" } };

describe("Linear extensions.type mapping", () => {
  it.each([
    ["feature not accessible", 400, "forbidden"],
    ["feature not accessible", 200, "forbidden"],
    ["usage limit exceeded", 400, "rate-limited"],
    ["invalid input", 400, "invalid-request"],
    ["invalid input", 200, "invalid-request"],
  ] as const)("%s (HTTP %i) → %s", async (type, status, code) => {
    const before = Date.now();
    const e = await failure(canned(status, type).getIssue({ accessToken: "x" }, ref));
    expect(e.code).toBe(code);
    expect(e.details.reason).toBe(type);
    if (code === "rate-limited") expect(e.details.retryAt).toBeGreaterThanOrEqual(before + 60_000);
  });
});
