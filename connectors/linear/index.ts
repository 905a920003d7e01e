/**
 * The Linear connector: GraphQL documents from `queries.ts` sent through
 * `@linear/sdk`'s `LinearGraphQLClient.rawRequest` over the shared HttpClient
 * (`client.ts`, `sdk-transport.ts`), one request per sync page, OAuth with PKCE and rotating refresh tokens,
 * signed webhooks, labels and one bot comment as write-back.
 *
 * Options (`config.options`): `actor` (`user` | `app`, added to the
 * authorize URL), `labelScope` (`team` default | `workspace`), `appUrl`
 * (base of the comment attribution link that carries the marker).
 *
 * @example
 * const linear = createLinearConnector({
 *   fetch, apiBase: "https://api.linear.app", oauthBase: "https://linear.app",
 *   clientId, clientSecret, webhookSecret, options: { actor: "app", labelScope: "team" },
 * });
 * const page = await linear.listIssues({ accessToken }, { kind: "team", id: teamId, name: "ENG" }, null);
 */
import { ConnectorError, isConnectorError } from "../errors";
import { parseLoose } from "../http";
import type { Issue } from "../../domain/types";
import type { Auth, Connector, ConnectorConfig, IssuePage, IssueRef, SyncScope } from "../types";
import { LinearGraphql } from "./client";
import { advance, decodeCursor, encodeCursor, finishRun } from "./cursor";
import { linearIssue } from "./normalize";
import { createLinearOAuth } from "./oauth";
import { ISSUE_BY_ID, ISSUES_PAGE, LABELS_PAGE } from "./queries";
import { IssueByIdSchema, IssueNodeSchema, IssuesPageSchema, LabelsPageSchema, type LinearIssueNode } from "./schema";
import { createLinearWebhooks } from "./webhooks";
import { ensureLinearComment, ensureLinearLabels, type WriteOptions } from "./write";

/**
 * Linear's largest page (trackers.md: 250, unverified; Linear documents only the default, 50). See
 * queries.ts for the complexity estimate. If Linear refuses it, the sync halves it (see `listIssues`).
 */
export const LINEAR_PAGE_SIZE = 250;

/**
 * Whether an error is Linear refusing the page size: an argument error (`invalid input`) or a query
 * over the complexity cap. UNVERIFIED: which error Linear sends for a too-large `first` is not
 * documented; both an argument error and a complexity error are taken as "try a smaller page".
 */
function refusesPageSize(e: unknown): boolean {
  return isConnectorError(e) && e.code === "invalid-request" && !/cursor/i.test((e as Error).message);
}

/** Max extra label-dictionary pages per sync page (workspaces with > 250 labels). */
const MAX_LABEL_PAGES = 20;

export function createLinearConnector(config: ConnectorConfig): Connector {
  const now = config.now ?? Date.now;
  const gql = new LinearGraphql({ fetch: config.fetch, apiBase: config.apiBase, timeoutMs: config.timeoutMs, now: config.now });
  const writeOpts: WriteOptions = {
    labelScope: config.options?.labelScope === "workspace" ? "workspace" : "team",
    appUrl: config.options?.appUrl ?? "https://backlog-auditor.invalid",
  };

  async function listIssues(auth: Auth, scope: SyncScope, cursor: string | null): Promise<IssuePage> {
    let c = decodeCursor(cursor);
    // Adaptive page size: on a refusal, halve and retry at once (the sync does not fail); the size
    // that worked rides in the cursor, so the rest of this run and the next runs start there.
    let first = c.first ?? LINEAR_PAGE_SIZE;
    let data;
    for (;;) {
      try {
        data = await gql.query(
          auth,
          ISSUES_PAGE,
          { teamId: scope.id, first, after: c.after, since: c.since, labelsAfter: null },
          IssuesPageSchema,
          "issues page",
        );
        break;
      } catch (e) {
        if (first <= 1 || !refusesPageSize(e)) throw e;
        first = Math.max(1, Math.floor(first / 2));
      }
    }
    if (first !== LINEAR_PAGE_SIZE) c = { ...c, first };
    const { ok, skipped } = parseLoose(IssueNodeSchema, data.issues.nodes, (raw, i) => {
      const o = raw as { identifier?: unknown; id?: unknown } | null;
      const key = typeof o?.identifier === "string" ? o.identifier : undefined;
      const externalId = typeof o?.id === "string" ? o.id : undefined;
      return { ref: key ?? externalId ?? `#${i}`, key, externalId };
    });

    const names = new Map(data.labelDictionary.nodes.map((l) => [l.id, l.name]));
    let labelPage = data.labelDictionary.pageInfo;
    const unknownLabel = () => ok.some((n) => n.labelIds.some((id) => !names.has(id)));
    for (let i = 0; i < MAX_LABEL_PAGES && labelPage.hasNextPage && labelPage.endCursor && unknownLabel(); i++) {
      const more = await gql.query(auth, LABELS_PAGE, { teamId: scope.id, labelsAfter: labelPage.endCursor }, LabelsPageSchema, "labels page");
      for (const l of more.labelDictionary.nodes) names.set(l.id, l.name);
      labelPage = more.labelDictionary.pageInfo;
    }

    const sinceMs = Date.parse(c.since);
    const excluded = new Set(c.idsAtSince);
    const fresh: LinearIssueNode[] = ok.filter((n) => !(excluded.has(n.id) && Date.parse(n.updatedAt) === sinceMs));
    const t = now();
    const issues: Issue[] = fresh.map((n) => linearIssue({ from: "graphql", node: n, labelNames: (id) => names.get(id) }, t).issue);
    const advanced = advance(
      c,
      fresh.map((n) => ({ id: n.id, updatedAt: n.updatedAt })),
    );
    const { hasNextPage, endCursor } = data.issues.pageInfo;
    if (hasNextPage && endCursor) return { issues, skipped, cursor: encodeCursor({ ...advanced, after: endCursor }), hasMore: true };
    return { issues, skipped, cursor: encodeCursor(finishRun(advanced)), hasMore: false };
  }

  async function getIssue(auth: Auth, ref: IssueRef): Promise<Issue | null> {
    let data: { issue: unknown };
    try {
      data = await gql.query(auth, ISSUE_BY_ID, { id: ref.externalId }, IssueByIdSchema, "issue");
    } catch (e) {
      if (isConnectorError(e) && e.code === "not-found") return null;
      throw e;
    }
    if (data.issue === null || data.issue === undefined) return null;
    const r = IssueNodeSchema.safeParse(data.issue);
    if (!r.success)
      throw new ConnectorError("invalid-response", `linear issue ${ref.key}: ${r.error.issues[0]?.message ?? "bad shape"}`, { tracker: "linear" });
    return linearIssue({ from: "graphql", node: r.data }, now()).issue;
  }

  return {
    tracker: "linear",
    pageSize: LINEAR_PAGE_SIZE,
    // Linear's limits are hourly request and complexity budgets, not concurrency: four in flight.
    writeConcurrency: 4,
    oauth: createLinearOAuth(config, gql.http, gql),
    webhooks: createLinearWebhooks({ secret: config.webhookSecret, now: config.now }),
    listIssues,
    getIssue,
    ensureLabels: (auth, ref, change) => ensureLinearLabels(gql, auth, ref, change, writeOpts),
    ensureComment: (auth, ref, marker, body) => ensureLinearComment(gql, auth, ref, marker, body, writeOpts),
    rateLimit: () => gql.rateLimit(),
  };
}

export { LinearGraphql, readLinearRateLimit } from "./client";
export { decodeCursor } from "./cursor";
