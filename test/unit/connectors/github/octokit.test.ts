/**
 * The GitHub connector calls the API through @octokit/rest, whose transport is
 * the shared HttpClient: a failure is one request (Octokit adds no retry), it
 * leaves as a ConnectorError with the shared mapping, and the rate-limit
 * headers are still read.
 */
import { describe, expect, it } from "vitest";
import { createGithubConnector } from "../../../../connectors/github";
import { isConnectorError } from "../../../../connectors/errors";

function canned(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: string[] = [];
  const connector = createGithubConnector({
    fetch: async (input, init) => {
      seen.push(`${init?.method ?? "GET"} ${input instanceof Request ? input.url : String(input)}`);
      return new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
    },
    apiBase: "https://api.github.test",
    oauthBase: "https://github.test",
    clientId: "x",
    clientSecret: "y",
  });
  return { connector, seen };
}

const scope = { kind: "repo" as const, id: "octo/app", name: "octo/app" };
const auth = { accessToken: "t" };

describe("GitHub through Octokit", () => {
  it.each([
    [502, { message: "bad gateway" }, {}, "upstream"],
    [401, { message: "Bad credentials" }, {}, "auth"],
    [429, { message: "slow down" }, { "retry-after": "30" }, "rate-limited"],
    [
      403,
      { message: "API rate limit exceeded" },
      { "x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000", "x-ratelimit-reset": "2000000000" },
      "rate-limited",
    ],
    [200, "not json", {}, "invalid-response"],
  ])("answer %i → one request, ConnectorError %s", async (status, body, headers, code) => {
    const { connector, seen } = canned(status, body, headers);
    const err = await connector.listIssues(auth, scope, null).catch((e: unknown) => e);
    expect(isConnectorError(err) && err.code).toBe(code);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^GET https:\/\/api\.github\.test\/repos\/octo\/app\/issues\?/);
  });

  it("reads the rate-limit headers of a successful answer", async () => {
    const { connector } = canned(200, [], { "x-ratelimit-remaining": "4321", "x-ratelimit-limit": "5000", "x-ratelimit-reset": "2000000000" });
    const page = await connector.listIssues(auth, scope, null);
    expect(page.issues).toEqual([]);
    expect(connector.rateLimit()).toMatchObject({ remaining: 4321, limit: 5000, resetAt: 2_000_000_000_000 });
  });
});
