/**
 * jira.js 6's `Client` over the connector's `HttpClient`.
 *
 * jira.js's endpoint functions (`jira.js/cloud`: `getIssue(client, params)`,
 * `addComment(client, params)`, ...) take any `Client` — an object with
 * `sendRequest({ url, method, headers, body, searchParams, schema })` — and
 * supply the REST paths, methods and parameter shapes. Its own transport
 * (`createClient`) calls the global `fetch` and retries on its own terms, so it
 * is not used: this `Client` sends every request through `HttpClient.json`
 * instead, which keeps the injected fetch (the simulators in tests, the bench
 * and the Worker's harness), the request count, the timeout, the rate-limit
 * headers and the one status → `ConnectorError` mapping. A failure therefore
 * leaves the jira.js function as our `ConnectorError`, unwrapped; there are no
 * SDK retries (retries stay in the pipeline).
 *
 * `options.schema` (jira.js's zod model of the answer) is not run: every
 * answer is checked by our own schemas (`schema.ts`) at the boundary, which
 * require the fields the connector reads, while jira.js's `IssueSchema` takes
 * `fields` as `Record<string, any>`. Measured on a 100-issue `search/jql` page
 * (376 KB, Node 24): `JSON.parse` 0.77 ms; our envelope + per-issue schemas
 * 0.29 ms; jira.js's `SearchAndReconcileResultsSchema` another 0.22 ms, for
 * nothing we read. The data a jira.js function returns is therefore
 * unvalidated and its declared type is not trusted: callers parse it as
 * `unknown`.
 *
 * @example
 * const sdk = jiraSdkClient(http, `${apiBase}/ex/jira/${cloudId}`, { authorization: `Bearer ${token}` });
 * const me: unknown = await getCurrentUser(sdk);
 */
import type { Client, SendRequestOptions } from "jira.js/core";
import type { HttpClient } from "../http";

/**
 * The query string of `searchParams`: `undefined`, `null` and empty arrays are
 * left out; an array of strings is one comma-separated value (`fields=a,b`,
 * how Jira documents its list parameters); objects are JSON.
 */
export function searchParamsQuery(searchParams: Record<string, unknown> | undefined): string {
  if (!searchParams) return "";
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(searchParams)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      q.set(key, value.every((v) => typeof v === "string") ? value.join(",") : JSON.stringify(value));
    } else q.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * A jira.js `Client` whose requests go to `base + options.url` (jira.js's URLs
 * start at `/rest/api/3/...`) with `headers` (the bearer token) through `http`.
 * jira.js interpolates path parameters as given: callers pass them
 * URI-encoded.
 */
export function jiraSdkClient(http: HttpClient, base: string, headers: Record<string, string>): Client {
  return {
    async sendRequest<T>(options: SendRequestOptions<T>): Promise<T> {
      const { data } = await http.json({
        method: options.method ?? "GET",
        url: `${base}${options.url}${searchParamsQuery(options.searchParams)}`,
        headers: { ...headers, ...options.headers },
        body: options.body ?? undefined,
      });
      // 204 / empty body: jira.js's own transport answers `undefined` (its `Promise<void>` endpoints).
      return (data ?? undefined) as T;
    },
  };
}
