/**
 * The Jira Cloud connector (REST v3 over the OAuth 2.0 gateway).
 *
 * REST v3 calls are jira.js 6's endpoint functions (`jira.js/cloud`) over our
 * own jira.js `Client` (`transport.ts`), which sends them through the shared
 * `HttpClient` (injected fetch, one error and rate-limit mapping across
 * trackers, no SDK retries); answers are checked with our zod schemas, and
 * comment bodies are ADF built here (`adf.ts`). See `client.ts` for the calls
 * that stay off jira.js (OAuth, `accessible-resources`).
 *
 * @example
 * const jira = createJiraConnector({ fetch, apiBase: "https://api.atlassian.com", oauthBase: "https://auth.atlassian.com", clientId, clientSecret });
 * const page = await jira.listIssues({ accessToken, siteId: cloudId }, { kind: "project", id: "PROJ", name: "Proj", siteId: cloudId }, null);
 * await jira.webhookRegistration.register(auth, cloudId, "https://auditor.example/webhooks/jira", ["PROJ"]);
 */
import { HttpClient } from "../http";
import type { Auth, Connector, ConnectorConfig, IssueRef, WebhookRegistration } from "../types";
import type { Issue } from "../../domain/types";
import { JiraClient, readJiraRateLimit } from "./client";
import { discoverFields, searchFields, type FieldMap } from "./fields";
import { normalizeIssue } from "./normalize";
import { createJiraOAuth } from "./oauth";
import { RawIssueSchema } from "./schema";
import { PAGE_SIZE, listIssuesPage } from "./sync";
import { createJiraWebhookHandler, refreshJiraWebhooks, registerJiraWebhooks } from "./webhooks";
import { ensureJiraComment, ensureJiraLabels } from "./write";
import { ConnectorError } from "../errors";

export interface JiraConnector extends Connector {
  /** Jira's dynamic webhooks (expire after 30 days): always present on the Jira connector. */
  readonly webhookRegistration: WebhookRegistration;
  /** Requests sent so far (benchmarks). */
  readonly requestCount: number;
}

export function createJiraConnector(config: ConnectorConfig): JiraConnector {
  const http = new HttpClient({ fetch: config.fetch, tracker: "jira", timeoutMs: config.timeoutMs, now: config.now, readRateLimit: readJiraRateLimit });
  const client = new JiraClient(http, config.apiBase.replace(/\/$/, ""));
  // getIssue has no cursor to carry field ids and the site URL: memoize them per site for this connector instance.
  const siteMeta = new Map<string, Promise<{ map: FieldMap; siteUrl: string }>>();
  const metaFor = (a: Auth) => {
    const key = a.siteId ?? "";
    let p = siteMeta.get(key);
    if (!p) {
      p = Promise.all([client.fields(a), client.serverInfo(a)]).then(([f, info]) => ({ map: discoverFields(f), siteUrl: info.baseUrl }));
      p.catch(() => siteMeta.delete(key));
      siteMeta.set(key, p);
    }
    return p;
  };

  return {
    tracker: "jira",
    pageSize: PAGE_SIZE,
    // Jira's limits are a cost budget per hour and per-second bursts; four writes in flight stay within both.
    writeConcurrency: 4,
    oauth: createJiraOAuth(config, http, client),
    webhooks: createJiraWebhookHandler(config.clientSecret, config.options?.jiraWebhookIssuer),
    listIssues: (auth, scope, cursor) => listIssuesPage(client, auth, scope, cursor, config.now ?? Date.now),
    async getIssue(auth: Auth, ref: IssueRef): Promise<Issue | null> {
      const siteId = ref.scope.siteId ?? auth.siteId;
      if (!siteId) throw new ConnectorError("forbidden", "Jira calls need a siteId (cloudId)", { tracker: "jira" });
      const a = { ...auth, siteId };
      const { map, siteUrl } = await metaFor(a);
      const raw = await client.getIssue(a, ref.externalId || ref.key, searchFields(map));
      if (raw === null) return null;
      const r = RawIssueSchema.safeParse(raw);
      if (!r.success) throw new ConnectorError("invalid-response", `Jira issue ${ref.key}: ${r.error.issues[0]?.message ?? "bad shape"}`, { tracker: "jira" });
      return normalizeIssue(r.data, map, siteUrl);
    },
    ensureLabels: (auth, ref, change) => ensureJiraLabels(client, auth, ref, change),
    ensureComment: (auth, ref, marker, body) => ensureJiraComment(client, auth, ref, marker, body),
    rateLimit: () => http.rateLimit(),
    webhookRegistration: {
      register: (auth, siteId, url, projectKeys) => registerJiraWebhooks(client, auth, siteId, url, projectKeys),
      refresh: (auth, siteId, ids) => refreshJiraWebhooks(client, auth, siteId, ids),
    },
    get requestCount() {
      return http.requestCount;
    },
  };
}

export { jiraLabel } from "./write";
export { markdownToAdf, adfToText } from "./adf";
export { verifyJiraWebhook, webhookRetryCount } from "./webhooks";
