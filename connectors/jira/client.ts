/**
 * One method per Jira Cloud endpoint the connector uses. The site's REST v3
 * endpoints are jira.js 6's flat functions (`jira.js/cloud`: paths, methods and
 * parameter shapes) called with our own jira.js `Client` (`transport.ts`), so
 * every request still goes through the shared `HttpClient`: injected fetch,
 * request count, timeout, rate-limit headers, one status → `ConnectorError`
 * mapping. Every answer is parsed with our schemas (`schema.ts`).
 * Site API calls go through the OAuth gateway:
 * `{apiBase}/ex/jira/{cloudId}/rest/api/3/...`.
 *
 * Not jira.js: `accessible-resources` (`{apiBase}/oauth/token/accessible-resources`,
 * not a site endpoint; jira.js has it only as `getAccessibleResources` in its
 * OAuth helpers, which call the global `fetch`) stays on `HttpClient`, as does
 * the OAuth token exchange (`oauth.ts`).
 *
 * @example
 * const c = new JiraClient(http, "https://api.atlassian.com");
 * const page = await c.searchJql(auth, { jql, maxResults: 100, fields: ["summary"] });
 */
import {
  addComment,
  bulkFetchIssues,
  deleteComment,
  editIssue,
  getComments,
  getCurrentUser,
  getFields,
  getIssue,
  getServerInfo,
  refreshWebhooks,
  registerDynamicWebhooks,
  searchAndReconsileIssuesUsingJqlPost,
  searchProjects,
  updateComment,
} from "jira.js/cloud";
import type { Client } from "jira.js/core";
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
import { jiraSdkClient } from "./transport";
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

/** A path parameter as jira.js interpolates it (verbatim): encoded here. */
const enc = encodeURIComponent;

export class JiraClient {
  constructor(
    readonly http: HttpClient,
    private readonly apiBase: string,
  ) {}

  /** The jira.js `Client` for the auth's site (`{apiBase}/ex/jira/{cloudId}` + jira.js's `/rest/api/3/...`). */
  private sdk(auth: Auth): Client {
    if (!auth.siteId) throw new ConnectorError("forbidden", "Jira calls need auth.siteId (the cloudId)", { tracker: "jira" });
    return jiraSdkClient(this.http, `${this.apiBase}/ex/jira/${enc(auth.siteId)}`, { authorization: `Bearer ${auth.accessToken}` });
  }

  /** `GET /oauth/token/accessible-resources` (HttpClient, see the module comment): the sites (cloudIds) the grant reaches. */
  async accessibleResources(auth: Auth) {
    const { data } = await this.http.json({
      url: `${this.apiBase}/oauth/token/accessible-resources`,
      headers: { authorization: `Bearer ${auth.accessToken}` },
    });
    return parseOrThrow(z.array(AccessibleResourceSchema), data, "jira", "accessible-resources");
  }

  /** `GET /rest/api/3/project/search` (one page). */
  async projectSearch(auth: Auth, startAt: number) {
    return parseOrThrow(ProjectSearchSchema, await searchProjects(this.sdk(auth), { startAt, maxResults: 50 }), "jira", "project search");
  }

  /** `GET /rest/api/3/myself`: the user's time zone, which JQL dates are read in. */
  async myself(auth: Auth) {
    return parseOrThrow(MyselfSchema, await getCurrentUser(this.sdk(auth)), "jira", "myself");
  }

  /** `GET /rest/api/3/serverInfo`: the site's base URL (for browse links). */
  async serverInfo(auth: Auth) {
    return parseOrThrow(ServerInfoSchema, await getServerInfo(this.sdk(auth)), "jira", "server info");
  }

  /** `GET /rest/api/3/field`: system and custom fields of the site. */
  async fields(auth: Auth) {
    return parseOrThrow(z.array(FieldSchema), await getFields(this.sdk(auth)), "jira", "field list");
  }

  /** `POST /rest/api/3/search/jql` (enhanced search; the old `/search` is gone: 410). */
  async searchJql(auth: Auth, body: SearchBody) {
    const data: unknown = await searchAndReconsileIssuesUsingJqlPost(this.sdk(auth), body);
    return parseOrThrow(SearchJqlResponseSchema, data, "jira", "search/jql response");
  }

  /** `POST /rest/api/3/issue/bulkfetch`: up to 100 issues by id or key, with an explicit field list. */
  async bulkFetch(auth: Auth, issueIdsOrKeys: string[], fields: string[]) {
    const data: unknown = await bulkFetchIssues(this.sdk(auth), { issueIdsOrKeys, fields });
    return parseOrThrow(BulkFetchResponseSchema, data, "jira", "bulkfetch response");
  }

  /** `GET /rest/api/3/issue/{key}`; null when the issue does not exist (or is not visible). */
  async getIssue(auth: Auth, idOrKey: string, fields: string[]): Promise<unknown | null> {
    try {
      return (await getIssue(this.sdk(auth), { issueIdOrKey: enc(idOrKey), fields })) as unknown;
    } catch (e) {
      if (e instanceof ConnectorError && e.code === "not-found") return null;
      throw e;
    }
  }

  /** `PUT /rest/api/3/issue/{key}` with label add/remove operations (204). */
  async updateLabels(auth: Auth, idOrKey: string, ops: Array<{ add: string } | { remove: string }>): Promise<void> {
    // No `notifyUsers: false`: it needs the Administer Jira/Project permission, which a regular user lacks.
    await editIssue(this.sdk(auth), { issueIdOrKey: enc(idOrKey), update: { labels: ops } });
  }

  /** `GET /rest/api/3/issue/{key}/comment` (one page). */
  async listComments(auth: Auth, idOrKey: string, startAt: number) {
    const data: unknown = await getComments(this.sdk(auth), { issueIdOrKey: enc(idOrKey), startAt, maxResults: 100 });
    return parseOrThrow(CommentPageSchema, data, "jira", "comment page");
  }

  /**
   * `POST /rest/api/3/issue/{key}/comment` with an ADF body. jira.js sends an
   * object body to v3 as is (a string body would go through v2 wiki markup and
   * a second request to read the comment back).
   */
  async addComment(auth: Auth, idOrKey: string, body: AdfDoc): Promise<string> {
    const data: unknown = await addComment(this.sdk(auth), { issueIdOrKey: enc(idOrKey), body });
    return parseOrThrow(z.object({ id: z.string() }).loose(), data, "jira", "created comment").id;
  }

  /** `PUT /rest/api/3/issue/{key}/comment/{id}` with an ADF body (v3, one request, as `addComment`). */
  async updateComment(auth: Auth, idOrKey: string, id: string, body: AdfDoc): Promise<void> {
    await updateComment(this.sdk(auth), { issueIdOrKey: enc(idOrKey), id: enc(id), body: { body } });
  }

  /** `DELETE /rest/api/3/issue/{key}/comment/{id}`. */
  async deleteComment(auth: Auth, idOrKey: string, id: string): Promise<void> {
    await deleteComment(this.sdk(auth), { issueIdOrKey: enc(idOrKey), id: enc(id) });
  }

  /** `POST /rest/api/3/webhook`: register dynamic webhooks (OAuth apps; expire after 30 days). */
  async registerWebhooks(auth: Auth, url: string, webhooks: Array<{ events: string[]; jqlFilter: string }>) {
    const data: unknown = await registerDynamicWebhooks(this.sdk(auth), { url, webhooks });
    return parseOrThrow(WebhookRegistrationSchema, data, "jira", "webhook registration");
  }

  /** `PUT /rest/api/3/webhook/refresh`: extend the webhooks' life by 30 days. */
  async refreshWebhooks(auth: Auth, webhookIds: number[]) {
    const data: unknown = await refreshWebhooks(this.sdk(auth), { webhookIds });
    return parseOrThrow(WebhookRefreshSchema, data, "jira", "webhook refresh");
  }
}
