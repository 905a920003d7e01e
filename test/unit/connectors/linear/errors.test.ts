import { describe, expect, it } from "vitest";
import { createLinearConnector } from "../../../../connectors/linear";
import { ConnectorError } from "../../../../connectors/errors";
import { CLIENT, setup } from "./setup";

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConnectorError) return e;
    throw e;
  }
  throw new Error("expected a ConnectorError");
}

/** A connector over a fake Linear answering one canned response. */
function canned(status: number, body: unknown, headers: Record<string, string> = {}) {
  return createLinearConnector({
    fetch: async () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } }),
    apiBase: "https://api.linear.test",
    oauthBase: "https://linear.test",
    ...CLIENT,
  });
}
const scope = { kind: "team" as const, id: "t", name: "ENG" };
const auth = { accessToken: "x" };

describe("Linear errors and rate limits", () => {
  it("complexity budget spent: the GraphQL `ratelimited` error (HTTP 400) → rate-limited, reason complexity, retryAt = complexity reset", async () => {
    const c = setup({ sandbox: { seed: { issues: 10 } } });
    c.sandbox.setBudget(c.auth.accessToken, { complexity: 100 });
    const res = await c.fetch("http://sandbox.test/linear/api/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${c.auth.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { id } }" }),
    });
    const reset = Number(res.headers.get("x-ratelimit-complexity-reset"));
    expect(reset).toBeGreaterThan(Date.now());
    const e = await failure(c.connector.listIssues(c.auth, c.scope, null));
    expect(e.code).toBe("rate-limited");
    expect(e.details.reason).toBe("complexity");
    expect(e.details.status).toBe(400);
    expect(Math.abs(e.details.retryAt! - reset)).toBeLessThan(2_000);
    expect(c.connector.rateLimit()).toMatchObject({ resource: "complexity", limit: 250_000 });
  });

  it("request budget spent → rate-limited, reason requests", async () => {
    const c = setup();
    c.sandbox.setBudget(c.auth.accessToken, { requests: 0 });
    const e = await failure(c.connector.listIssues(c.auth, c.scope, null));
    expect(e).toMatchObject({ code: "rate-limited", details: { reason: "requests" } });
  });

  it("an HTTP 429 → rate-limited with retryAt from the reset header", async () => {
    const c = setup();
    c.sandbox.faults.configure({ retryAfterSec: 42 });
    c.sandbox.faults.queue("429");
    const before = Date.now();
    const e = await failure(c.connector.listIssues(c.auth, c.scope, null));
    expect(e.code).toBe("rate-limited");
    expect(e.details.retryAt! - before).toBeGreaterThanOrEqual(41_000);
    expect(e.details.retryAt! - before).toBeLessThan(44_000);
  });

  it("the reset headers are epoch ms; without them retry-after is used", async () => {
    const reset = Date.now() + 90_000;
    const limited = { errors: [{ message: "Rate limit exceeded", extensions: { type: "ratelimited", code: "RATELIMITED" } }] };
    const e1 = await failure(
      canned(400, limited, { "x-ratelimit-requests-remaining": "0", "x-ratelimit-requests-reset": String(reset) }).listIssues(auth, scope, null),
    );
    expect(e1).toMatchObject({ code: "rate-limited", details: { retryAt: reset, reason: "requests" } });
    const e2 = await failure(canned(429, limited, { "retry-after": "30" }).listIssues(auth, scope, null));
    expect(e2.details.retryAt! - Date.now()).toBeGreaterThan(28_000);
  });

  it.each([
    [400, "authentication error", "AUTHENTICATION_ERROR", "auth"],
    [200, "authentication error", "AUTHENTICATION_ERROR", "auth"],
    [400, "forbidden", "FORBIDDEN", "forbidden"],
    [400, "invalid input", "INVALID_INPUT", "invalid-request"],
    [500, "internal error", "INTERNAL_ERROR", "upstream"],
  ] as const)("HTTP %i with a `%s` GraphQL error → %s", async (status, type, code, want) => {
    const e = await failure(
      canned(status, { errors: [{ message: "nope", extensions: { type, code, userPresentableMessage: "nope" } }] }).listIssues(auth, scope, null),
    );
    expect(e.code).toBe(want);
  });

  it("5xx → upstream; a timeout → upstream", async () => {
    const c = setup({ connector: { timeoutMs: 50 } });
    c.sandbox.faults.queue("5xx");
    expect((await failure(c.connector.listIssues(c.auth, c.scope, null))).code).toBe("upstream");
    c.sandbox.faults.configure({ slowMs: 2_000 });
    c.sandbox.faults.queue("timeout");
    expect(await failure(c.connector.listIssues(c.auth, c.scope, null))).toMatchObject({ code: "upstream", details: { reason: "timeout" } });
  });

  it("a revoked token → auth, also mid-sync", async () => {
    const c = setup({ sandbox: { seed: { issues: 300 } } });
    const first = await c.connector.listIssues(c.auth, c.scope, null);
    expect(first.hasMore).toBe(true);
    c.sandbox.revokeToken(c.auth.accessToken);
    expect((await failure(c.connector.listIssues(c.auth, c.scope, first.cursor))).code).toBe("auth");
  });

  it("an unknown field is answered with a real GraphQL validation error", async () => {
    const c = setup();
    const res = await c.fetch("http://sandbox.test/linear/api/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${c.auth.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ issues(first: 1) { nodes { id storyPoints } } }" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]).toMatchObject({ message: 'Cannot query field "storyPoints" on type "Issue".', extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    expect(res.headers.get("x-ratelimit-requests-limit")).toBe("2500");
  });
});
