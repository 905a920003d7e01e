/**
 * One function per Jira Cloud endpoint, over the shared `HttpClient` (our
 * own REST calls rather than jira.js's client: one error/rate-limit mapping
 * for every tracker, an injected fetch, and ADF bodies we build ourselves).
 * Site API calls go through the OAuth gateway:
 * `{apiBase}/ex/jira/{cloudId}/rest/api/3/...`.
 *
 * @example
 * const c = new JiraClient(http, "https://api.atlassian.com");
 * const page = await c.searchJql(auth, { jql, maxResults: 100, fields: ["summary"] });
 */
import { ConnectorError } from "../errors";
import { type HttpClient, parseOrThrow, parseRetryAfter, type RateLimitReader } from "../http";
import type { Auth } from "../types";
import type { AdfDoc } from "./schema";
import {
  AccessibleResourceSchema,
  BulkFetchResponseSchema,
  CommentPageSchema,
  FieldSchema,
  MyselfSchema,
  ProjectSearchSchema,
  SearchJqlResponseSchema,
  ServerInfoSchema,
  WebhookRefreshSchema,
  WebhookRegistrationSchema,
} from "./schema";
import { z } from "zod";

/**
 * Jira's rate-limit headers: a 429 carries `Retry-After` (seconds),
 * `X-RateLimit-Reset` (ISO time), `X-RateLimit-Limit`/`-Remaining`,
 * `X-RateLimit-NearLimit` and `RateLimit-Reason` (`jira-burst-based`,
 * `jira-per-issue-on-write`, `jira-quota-global-based`, ...).
 */
export const readJiraRateLimit: RateLimitReader = ({ status, headers }, now) => {
  const num = (h: string) => {
    const v = headers.get(h);
    return v === null || v === "" || Number.isNaN(Number(v)) ? null : Number(v);
  };
  const resetIso = headers.get("x-ratelimit-reset");
  const resetAt = resetIso ? (Number.isNaN(Date.parse(resetIso)) ? null : Date.parse(resetIso)) : null;
  const state = { remaining: num("x-ratelimit-remaining"), limit: num("x-ratelimit-limit"), resetAt, resource: headers.get("ratelimit-reason") ?? undefined };
  const limited = status === 429 || (status === 503 && headers.has("retry-after"));
  if (!limited) return { limited: false, retryAt: null, state };
  const retryAt = parseRetryAfter(headers.get("retry-after"), now) ?? resetAt;
  return { limited: true, retryAt, reason: headers.get("ratelimit-reason") ?? undefined, state };
};

export interface SearchBody {
  jql: string;
  nextPageToken?: string;
  maxResults: number;
  fields: string[];
}

export class JiraClient {
  constructor(
    readonly http: HttpClient,
    private readonly apiBase: string,
  ) {}

  private site(auth: Auth, path: string): string {
    if (!auth.siteId) throw new ConnectorError("forbidden", "Jira calls need auth.siteId (the cloudId)", { tracker: "jira" });
    return `${this.apiBase}/ex/jira/${encodeURIComponent(auth.siteId)}/rest/api/3${path}`;
  }

  private headers(auth: Auth): Record<string, string> {
    return { authorization: `Bearer ${auth.accessToken}` };
  }

  private async get<T>(auth: Auth, url: string, schema: z.ZodType<T>, what: string): Promise<T> {
    const { data } = await this.http.json({ url, headers: this.headers(auth) });
    return parseOrThrow(schema, data, "jira", what);
  }

  /** `GET /oauth/token/accessible-resources`: the sites (cloudIds) the grant reaches. */
  accessibleResources(auth: Auth) {
    return this.get(auth, `${this.apiBase}/oauth/token/accessible-resources`, z.array(AccessibleResourceSchema), "accessible-resources");
  }

  /** `GET /rest/api/3/project/search` (one page). */
  projectSearch(auth: Auth, startAt: number) {
    return this.get(auth, this.site(auth, `/project/search?startAt=${startAt}&maxResults=50`), ProjectSearchSchema, "project search");
  }

  /** `GET /rest/api/3/myself`: the user's time zone, which JQL dates are read in. */
  myself(auth: Auth) {
    return this.get(auth, this.site(auth, "/myself"), MyselfSchema, "myself");
  }

  /** `GET /rest/api/3/serverInfo`: the site's base URL (for browse links). */
  serverInfo(auth: Auth) {
    return this.get(auth, this.site(auth, "/serverInfo"), ServerInfoSchema, "server info");
  }

  /** `GET /rest/api/3/field`: system and custom fields of the site. */
  fields(auth: Auth) {
    return this.get(auth, this.site(auth, "/field"), z.array(FieldSchema), "field list");
  }

  /** `POST /rest/api/3/search/jql` (enhanced search; the old `/search` is gone: 410). */
  async searchJql(auth: Auth, body: SearchBody) {
    const { data } = await this.http.json({ method: "POST", url: this.site(auth, "/search/jql"), headers: this.headers(auth), body });
    return parseOrThrow(SearchJqlResponseSchema, data, "jira", "search/jql response");
  }

  /** `POST /rest/api/3/issue/bulkfetch`: up to 100 issues by id or key, with an explicit field list. */
  async bulkFetch(auth: Auth, issueIdsOrKeys: string[], fields: string[]) {
    const { data } = await this.http.json({
      method: "POST",
      url: this.site(auth, "/issue/bulkfetch"),
      headers: this.headers(auth),
      body: { issueIdsOrKeys, fields },
    });
    return parseOrThrow(BulkFetchResponseSchema, data, "jira", "bulkfetch response");
  }

  /** `GET /rest/api/3/issue/{key}`; null when the issue does not exist (or is not visible). */
  async getIssue(auth: Auth, idOrKey: string, fields: string[]): Promise<unknown | null> {
    try {
      const url = this.site(auth, `/issue/${encodeURIComponent(idOrKey)}?fields=${encodeURIComponent(fields.join(","))}`);
      const { data } = await this.http.json({ url, headers: this.headers(auth) });
      return data;
    } catch (e) {
      if (e instanceof ConnectorError && e.code === "not-found") return null;
      throw e;
    }
  }

  /** `PUT /rest/api/3/issue/{key}` with label add/remove operations (204). */
  async updateLabels(auth: Auth, idOrKey: string, ops: Array<{ add: string } | { remove: string }>): Promise<void> {
    await this.http.request({
      method: "PUT",
      // No `notifyUsers=false`: it needs the Administer Jira/Project permission, which a regular user lacks.
      url: this.site(auth, `/issue/${encodeURIComponent(idOrKey)}`),
      headers: this.headers(auth),
      body: { update: { labels: ops } },
    });
  }

  /** `GET /rest/api/3/issue/{key}/comment` (one page). */
  listComments(auth: Auth, idOrKey: string, startAt: number) {
    return this.get(
      auth,
      this.site(auth, `/issue/${encodeURIComponent(idOrKey)}/comment?startAt=${startAt}&maxResults=100`),
      CommentPageSchema,
      "comment page",
    );
  }

  async addComment(auth: Auth, idOrKey: string, body: AdfDoc): Promise<string> {
    const { data } = await this.http.json({
      method: "POST",
      url: this.site(auth, `/issue/${encodeURIComponent(idOrKey)}/comment`),
      headers: this.headers(auth),
      body: { body },
    });
    return parseOrThrow(z.object({ id: z.string() }).loose(), data, "jira", "created comment").id;
  }

  async updateComment(auth: Auth, idOrKey: string, id: string, body: AdfDoc): Promise<void> {
    await this.http.request({
      method: "PUT",
      url: this.site(auth, `/issue/${encodeURIComponent(idOrKey)}/comment/${encodeURIComponent(id)}`),
      headers: this.headers(auth),
      body: { body },
    });
  }

  async deleteComment(auth: Auth, idOrKey: string, id: string): Promise<void> {
    await this.http.request({
      method: "DELETE",
      url: this.site(auth, `/issue/${encodeURIComponent(idOrKey)}/comment/${encodeURIComponent(id)}`),
      headers: this.headers(auth),
    });
  }

  /** `POST /rest/api/3/webhook`: register dynamic webhooks (OAuth apps; expire after 30 days). */
  async registerWebhooks(auth: Auth, url: string, webhooks: Array<{ events: string[]; jqlFilter: string }>) {
    const { data } = await this.http.json({ method: "POST", url: this.site(auth, "/webhook"), headers: this.headers(auth), body: { url, webhooks } });
    return parseOrThrow(WebhookRegistrationSchema, data, "jira", "webhook registration");
  }

  /** `PUT /rest/api/3/webhook/refresh`: extend the webhooks' life by 30 days. */
  async refreshWebhooks(auth: Auth, webhookIds: number[]) {
    const { data } = await this.http.json({ method: "PUT", url: this.site(auth, "/webhook/refresh"), headers: this.headers(auth), body: { webhookIds } });
    return parseOrThrow(WebhookRefreshSchema, data, "jira", "webhook refresh");
  }
}
