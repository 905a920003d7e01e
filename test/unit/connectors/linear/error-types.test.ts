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

describe("Linear errors through @linear/sdk's typed LinearError (one mapping: fromLinearError)", () => {
  const respond = (status: number, body: string) =>
    createLinearConnector({
      fetch: async () => new Response(body, { status, headers: { "content-type": "application/json" } }),
      apiBase: "https://api.linear.test",
      oauthBase: "https://linear.test",
      ...CLIENT,
    });
  it.each([
    ["lock timeout", 400, "upstream"],
    ["forbidden", 200, "forbidden"],
    ["usage limit exceeded", 200, "rate-limited"],
    ["graphql error", 400, "invalid-response"],
  ] as const)("%s (HTTP %i) → %s", async (type, status, code) => {
    const e = await failure(canned(status, type).getIssue({ accessToken: "x" }, ref));
    expect(e.code).toBe(code);
    expect(e.details.reason).toBe(type);
    expect(e.message).toBe(`linear: ${type}!`);
  });
  it("an error with a code and no type (the SDK's Unknown) is mapped by its code", async () => {
    const body = JSON.stringify({ errors: [{ message: "Entity not found: Issue", extensions: { code: "INVALID_INPUT" } }] });
    expect(await respond(400, body).getIssue({ accessToken: "x" }, ref)).toBeNull();
    const e = await failure(
      respond(400, JSON.stringify({ errors: [{ message: "no", extensions: { code: "FEATURE_NOT_ACCESSIBLE" } }] })).getIssue({ accessToken: "x" }, ref),
    );
    expect(e).toMatchObject({ code: "forbidden", details: { reason: "FEATURE_NOT_ACCESSIBLE", status: 400 } });
  });
  it("a 200 without data, or with a body that is not JSON, is invalid-response", async () => {
    expect((await failure(respond(200, JSON.stringify({ data: null })).getIssue({ accessToken: "x" }, ref))).code).toBe("invalid-response");
    expect(await failure(respond(200, "<html>").getIssue({ accessToken: "x" }, ref))).toMatchObject({
      code: "invalid-response",
      message: "linear issue: body is not JSON",
    });
  });
  it("a 4xx without GraphQL errors is mapped by HttpClient's status mapping (the SDK never sees it)", async () => {
    expect((await failure(respond(401, "").getIssue({ accessToken: "x" }, ref))).code).toBe("auth");
    expect((await failure(respond(403, "nope").getIssue({ accessToken: "x" }, ref))).code).toBe("forbidden");
  });
});
