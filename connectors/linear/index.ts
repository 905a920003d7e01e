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
import type { z } from "zod";
import { ConnectorError, isConnectorError } from "../errors";
import { parseLoose } from "../http";
import type { Issue } from "../../domain/types";
import type { Auth, Connector, ConnectorConfig, IssuePage, IssueRef, SyncScope } from "../types";
import { LinearGraphql } from "./client";
import { advance, decodeCursor, encodeCursor, finishRun } from "./cursor";
import { linearIssue } from "./normalize";
import { createLinearOAuth } from "./oauth";
import { ISSUE_BY_ID, ISSUES_PAGE, ISSUES_WITH_NEEDS, LABELS_PAGE, needsFilter } from "./queries";
import {
  IssueByIdSchema,
  IssueNodeSchema,
  IssuesPageSchema,
  IssuesWithNeedsSchema,
  LabelsPageSchema,
  WithNeedsNodeSchema,
  type WithNeedsSchema,
  type LinearIssueNode,
} from "./schema";
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
/** Max extra `withNeeds` pages per sync page: 250 issues at `NEEDS_PAGE` 50 need at most 5. */
const MAX_NEEDS_PAGES = 10;

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
          {
            teamId: scope.id,
            first,
            after: c.after,
            since: c.since,
            labelsAfter: null,
            needsFilter: needsFilter(scope.id, c.since, c.needsUpTo ?? null),
            needsAfter: null,
          },
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
    // The page selects the team once (`pageTeam`): every issue of the page is the scope's team's.
    const team = data.pageTeam.nodes[0];
    const nodes = data.issues.nodes.map((raw) => (team && raw && typeof raw === "object" && !("team" in raw) ? { ...raw, team } : raw));
    const { ok, skipped } = parseLoose(IssueNodeSchema, nodes, (raw, i) => {
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
    const oldest = ok.reduce((m, n) => Math.min(m, Date.parse(n.updatedAt)), Infinity);
    const needs = await customerNeeds(auth, fresh, data.withNeeds, oldest);
    for (const n of fresh) n.needs = needs.get(n.id) ?? { nodes: [] };
    const t = now();
    const issues: Issue[] = fresh.map((n) => linearIssue({ from: "graphql", node: n, labelNames: (id) => names.get(id) }, t).issue);
    const advanced = advance(
      c,
      fresh.map((n) => ({ id: n.id, updatedAt: n.updatedAt })),
    );
    const { hasNextPage, endCursor } = data.issues.pageInfo;
    const needsUpTo = Number.isFinite(oldest) ? new Date(oldest).toISOString() : (c.needsUpTo ?? null);
    if (hasNextPage && endCursor) return { issues, skipped, cursor: encodeCursor({ ...advanced, after: endCursor, needsUpTo }), hasMore: true };
    return { issues, skipped, cursor: encodeCursor(finishRun(advanced)), hasMore: false };
  }

  /**
   * The customer requests of a page's fresh issues, by issue id. `first` is the `withNeeds` connection
   * that rode with the page (the issues with needs from the page's first issue down, `NEEDS_PAGE` of
   * them): when it ends before the page's oldest issue, it covered the page. Otherwise the rest come
   * from `ISSUES_WITH_NEEDS` restricted to the page's issues not seen yet (exact, whatever the order of
   * issues with equal `updatedAt`), paged on.
   */
  async function customerNeeds(auth: Auth, fresh: LinearIssueNode[], first: z.infer<typeof WithNeedsSchema>, oldest: number) {
    const byId = new Map<string, NonNullable<LinearIssueNode["needs"]>>();
    const take = (conn: z.infer<typeof WithNeedsSchema>) => {
      let last = Infinity;
      for (const raw of conn.nodes) {
        const r = WithNeedsNodeSchema.safeParse(raw);
        if (!r.success)
          throw new ConnectorError("invalid-response", `linear customer requests: ${r.error.issues[0]?.message ?? "bad shape"}`, { tracker: "linear" });
        byId.set(r.data.id, r.data.needs);
        last = Math.min(last, Date.parse(r.data.updatedAt));
      }
      return last;
    };
    const last = take(first);
    if (!fresh.length || !first.pageInfo.hasNextPage || !first.pageInfo.endCursor || last < oldest) return byId;
    const rest = fresh.filter((n) => !byId.has(n.id)).map((n) => n.id);
    if (!rest.length) return byId;
    const filter = { id: { in: rest }, needs: { length: { gt: 0 } } };
    let after: string | null = null;
    for (let i = 0; i < MAX_NEEDS_PAGES; i++) {
      const more: z.infer<typeof IssuesWithNeedsSchema> = await gql.query(
        auth,
        ISSUES_WITH_NEEDS,
        { needsFilter: filter, needsAfter: after },
        IssuesWithNeedsSchema,
        "customer requests page",
      );
      take(more.withNeeds);
      const { hasNextPage, endCursor } = more.withNeeds.pageInfo;
      if (!hasNextPage || !endCursor) return byId;
      after = endCursor;
    }
    throw new ConnectorError("invalid-response", `linear customer requests: more than ${MAX_NEEDS_PAGES} pages for one sync page`, { tracker: "linear" });
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
