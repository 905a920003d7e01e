/** The jira.js `Client` over `HttpClient` (connectors/jira/transport.ts). */
import { getIssue, getServerInfo } from "jira.js/cloud";
import { describe, expect, it } from "vitest";
import { isConnectorError } from "../../../../connectors/errors";
import { HttpClient } from "../../../../connectors/http";
import { readJiraRateLimit } from "../../../../connectors/jira/client";
import { jiraSdkClient, searchParamsQuery } from "../../../../connectors/jira/transport";

function harness(answer: (url: string, init: RequestInit | undefined) => Response) {
  const seen: Array<{ url: string; method: string; headers: Record<string, string> }> = [];
  const http = new HttpClient({
    tracker: "jira",
    readRateLimit: readJiraRateLimit,
    fetch: async (input, init) => {
      const url = String(input);
      seen.push({ url, method: init?.method ?? "GET", headers: Object.fromEntries(new Headers(init?.headers).entries()) });
      return answer(url, init);
    },
  });
  const sdk = jiraSdkClient(http, "https://api.example/ex/jira/cloud-1", { authorization: "Bearer t" });
  return { http, sdk, seen };
}

describe("jira.js Client over HttpClient", () => {
  it("serializes search params the way Jira documents list parameters", () => {
    expect(searchParamsQuery({ fields: ["summary", "labels"], startAt: 0, expand: undefined, keys: [], x: null })).toBe("?fields=summary%2Clabels&startAt=0");
    expect(searchParamsQuery(undefined)).toBe("");
    expect(searchParamsQuery({ a: undefined })).toBe("");
  });

  it("sends jira.js's request through the injected fetch, under the site base, with the bearer token", async () => {
    const h = harness(() => Response.json({ id: "10001", key: "AUD-1", fields: { labels: [] } }));
    const issue: unknown = await getIssue(h.sdk, { issueIdOrKey: "AUD-1", fields: ["labels"] });
    expect(issue).toEqual({ id: "10001", key: "AUD-1", fields: { labels: [] } });
    expect(h.seen).toEqual([
      {
        url: "https://api.example/ex/jira/cloud-1/rest/api/3/issue/AUD-1?fields=labels",
        method: "GET",
        headers: expect.objectContaining({ authorization: "Bearer t" }),
      },
    ]);
    expect(h.http.requestCount).toBe(1);
  });

  it("does not run jira.js's response schema (our schemas check the answer)", async () => {
    // ServerInformationSchema wants a string baseUrl: jira.js's own transport would report a mismatch.
    const h = harness(() => Response.json({ baseUrl: 42 }));
    expect(await getServerInfo(h.sdk)).toEqual({ baseUrl: 42 });
  });

  it("a failure leaves the jira.js function as our ConnectorError, after one request (no SDK retry)", async () => {
    const h = harness(() => new Response("busy", { status: 503 }));
    const e = await getServerInfo(h.sdk).catch((x: unknown) => x);
    expect(isConnectorError(e) && e.code).toBe("upstream");
    const r = harness(() => new Response("{}", { status: 429, headers: { "retry-after": "30" } }));
    const limited = await getServerInfo(r.sdk).catch((x: unknown) => x);
    expect(isConnectorError(limited) && limited.code).toBe("rate-limited");
    expect([h.seen.length, r.seen.length]).toEqual([1, 1]);
  });
});
