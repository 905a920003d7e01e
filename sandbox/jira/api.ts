/**
 * The sandbox's Jira Cloud REST v3 routes under
 * `/api/ex/jira/{cloudId}/rest/api/3`: myself, serverInfo, field, project/search,
 * search/jql (and the removed /search → 410), issue/bulkfetch, issue
 * get/edit (labels), comments, dynamic webhooks.
 */
import { Hono, type Context } from "hono";
import { adfProblem } from "./adf-check";
import { isBounded, JqlError, matchDate, parseJql, type JqlQuery } from "./jql";
import { renderComment, renderFields, renderIssue, type RenderCtx } from "./render";
import { sortedIssues, touch, USER, type SandboxIssue, type SandboxSite } from "./state";

export type Env = { Variables: { site: SandboxSite; malformed: boolean; apiRoot: string } };

export interface ApiDeps {
  tz: string;
  /**
   * How `nextPageToken` resumes: `position` (after the last row served, so an edit mid-run never
   * shifts a page) or `offset` (a row count, as an opaque token may well be: an issue edited mid-run
   * moves to the end of `ORDER BY updated` and the rows after its old place shift back by one).
   */
  pageTokens?: "position" | "offset";
  /**
   * The documented page-size rule (5,000 rows only for `id`/`key` searches) is enforced unless this is
   * `false` (lenient: `updated`/`created` scans get 5,000 rows too, as the benchmarks once measured).
   */
  strictPageSize?: boolean;
  /** Per-issue write limit: a Response (429 jira-per-issue-on-write) when the issue got too many writes lately. */
  writeGate(issue: SandboxIssue): Response | null;
  clock(): number;
  emit(
    site: SandboxSite,
    event: string,
    issue: SandboxIssue,
    extra?: { comment?: SandboxIssue["comments"][number]; changelog?: Array<{ field: string; fromString: string | null; toString: string | null }> },
  ): Promise<void>;
}

const WEBHOOK_EVENTS = [
  "jira:issue_created",
  "jira:issue_updated",
  "jira:issue_deleted",
  "comment_created",
  "comment_updated",
  "comment_deleted",
  "issue_property_set",
  "issue_property_deleted",
];
const SEARCH_CAP = 100;
const SEARCH_CAP_IDS = 5000;
/**
 * Atlassian documents up to 5,000 rows per page only when a search asks for `id` or `key` alone; any
 * other field gets the usual cap (100 here; the exact figure for search/jql is not published). The
 * simulator enforces that by default; `strictPageSize: false` also serves `updated`/`created` scans at
 * 5,000 (undocumented, kept only to compare).
 */
const DOCUMENTED_LIGHT_FIELDS = new Set(["id", "key"]);
const LENIENT_LIGHT_FIELDS = new Set(["id", "key", "updated", "created"]);

const err = (c: Context, status: 400 | 404 | 410, messages: string[], errors: Record<string, string> = {}) =>
  c.json({ errorMessages: messages, errors }, status);

/** Break one field of one item (the `malformed` fault). */
function breakOne(items: Array<Record<string, unknown>>): void {
  const target = items[Math.min(1, items.length - 1)];
  if (!target) return;
  if (target.fields && typeof target.fields === "object") (target.fields as Record<string, unknown>).updated = 1234;
  else target.id = null;
}

export function apiRoutes(deps: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();
  const ctx = (c: Context<Env>): RenderCtx => ({ site: c.get("site"), apiRoot: c.get("apiRoot"), tz: deps.tz });
  const issueOf = (c: Context<Env>): SandboxIssue | undefined => {
    const site = c.get("site");
    const k = c.req.param("key") ?? "";
    return /^\d+$/.test(k) ? site.issues.get(Number(k)) : site.byKey.get(k.toUpperCase());
  };
  const notFound = (c: Context) => err(c, 404, ["Issue does not exist or you do not have permission to see it."]);

  app.get("/myself", (c) =>
    c.json({
      self: `${c.get("apiRoot")}/user?accountId=${USER.accountId}`,
      accountId: USER.accountId,
      accountType: "atlassian",
      emailAddress: USER.email,
      displayName: USER.displayName,
      active: true,
      timeZone: deps.tz,
      locale: "en_US",
      groups: { size: 1, items: [] },
      applicationRoles: { size: 1, items: [] },
      expand: "groups,applicationRoles",
    }),
  );

  app.get("/field", (c) => c.json(renderFields(c.get("site"))));

  app.get("/serverInfo", (c) =>
    c.json({
      baseUrl: c.get("site").url,
      displayUrl: c.get("site").url,
      version: "1001.0.0-SNAPSHOT",
      versionNumbers: [1001, 0, 0],
      deploymentType: "Cloud",
      buildNumber: 100282,
      buildDate: "2026-11-17T00:00:00.000+0000",
      serverTime: new Date().toISOString().replace("Z", "+0000"),
      scmInfo: "4f5e1b7d0c2a9e8f6b3d1c0a9e8f7d6c5b4a3e2f",
      serverTitle: "Jira",
      defaultLocale: { locale: "en_US" },
      serverTimeZone: "Etc/UTC",
    }),
  );

  app.get("/project/search", (c) => {
    const site = c.get("site");
    const startAt = Number(c.req.query("startAt") ?? 0);
    const maxResults = Math.min(Number(c.req.query("maxResults") ?? 50), 100);
    const all = [...site.projects.values()];
    const values = all.slice(startAt, startAt + maxResults).map((p) => ({
      self: `${c.get("apiRoot")}/project/${p.id}`,
      id: p.id,
      key: p.key,
      name: p.name,
      projectTypeKey: "software",
      simplified: false,
      style: "classic",
      isPrivate: false,
    }));
    return c.json({ self: c.req.url, maxResults, startAt, total: all.length, isLast: startAt + values.length >= all.length, values });
  });

  const gone = (c: Context) =>
    err(c, 410, [
      "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046",
    ]);
  app.get("/search", gone);
  app.post("/search", gone);

  const search = (c: Context<Env>, p: { jql?: string; nextPageToken?: string; maxResults?: number; fields?: string[] }) => {
    const site = c.get("site");
    let q: JqlQuery;
    try {
      q = parseJql(p.jql ?? "", deps.tz);
    } catch (e) {
      return err(c, 400, [(e as JqlError).message]);
    }
    if (!isBounded(q)) return err(c, 400, ["Unbounded JQL queries are not allowed here. Please add a search restriction to your query."]);
    const fields = p.fields ?? ["id"];
    const lightSet = deps.strictPageSize === false ? LENIENT_LIGHT_FIELDS : DOCUMENTED_LIGHT_FIELDS;
    const light = fields.every((f) => lightSet.has(f)) && fields.length <= 2;
    const max = Math.max(1, Math.min(p.maxResults ?? 50, light ? SEARCH_CAP_IDS : SEARCH_CAP));
    // Candidates: per-project lists are kept in (updated, key) order.
    const projects = q.projects ?? [...site.projects.keys()];
    let rows: SandboxIssue[] = projects.flatMap((k) => sortedIssues(site, k));
    const order = q.order.length ? q.order : [{ field: "key" as const, dir: -1 as const }];
    const natural =
      projects.length === 1 &&
      order.length >= 1 &&
      order[0]!.field === "updated" &&
      order[0]!.dir === 1 &&
      (order.length === 1 || (order[1]!.field === "key" && order[1]!.dir === 1));
    const lower = q.dates.find((d) => d.field === "updated" && (d.op === ">=" || d.op === ">"));
    if (natural && lower) {
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rows[mid]!.updated < lower.ms) lo = mid + 1;
        else hi = mid;
      }
      rows = rows.slice(lo);
    }
    rows = rows.filter(
      (i) =>
        (!q.keys || q.keys.includes(i.key)) &&
        (!q.ids || q.ids.includes(String(i.id))) &&
        (!q.labels || q.labels.some((l) => i.labels.includes(l))) &&
        q.dates.every((d) => matchDate(d.field === "updated" ? i.updated : i.created, d)),
    );
    if (!natural) {
      const cmp = (a: SandboxIssue, b: SandboxIssue) => {
        for (const o of order) {
          const d =
            o.field === "key" ? a.project.localeCompare(b.project) || a.num - b.num : o.field === "updated" ? a.updated - b.updated : a.created - b.created;
          if (d) return d * o.dir;
        }
        return 0;
      };
      rows = [...rows].sort(cmp);
    }
    // nextPageToken: the offset into this query's result plus a fingerprint of the query.
    const fp = `${p.jql}|${order.map((o) => o.field + o.dir).join(",")}`;
    let start = 0;
    if (p.nextPageToken) {
      try {
        const t = JSON.parse(atob(p.nextPageToken)) as { fp: string; after?: [number, string, number]; offset?: number };
        if (t.fp !== fp) throw new Error("token for another query");
        if (natural && t.after) {
          const [u, proj, num] = t.after;
          start = rows.findIndex((i) => i.updated > u || (i.updated === u && (i.project > proj || (i.project === proj && i.num > num))));
          if (start < 0) start = rows.length;
        } else start = t.offset ?? 0;
      } catch {
        return err(c, 400, ["The provided next page token is invalid or expired."]);
      }
    }
    const page = rows.slice(start, start + max);
    const isLast = start + page.length >= rows.length;
    const issues = page.map((i) => renderIssue(ctx(c), i, fields));
    if (c.get("malformed")) breakOne(issues);
    const last = page[page.length - 1];
    const body: Record<string, unknown> = { issues, isLast };
    const byPosition = natural && deps.pageTokens !== "offset";
    if (!isLast && last)
      body.nextPageToken = btoa(JSON.stringify(byPosition ? { fp, after: [last.updated, last.project, last.num] } : { fp, offset: start + page.length }));
    return c.json(body);
  };
  app.post("/search/jql", async (c) => search(c, (await c.req.json().catch(() => ({}))) as Parameters<typeof search>[1]));
  app.get("/search/jql", (c) =>
    search(c, {
      jql: c.req.query("jql"),
      nextPageToken: c.req.query("nextPageToken"),
      maxResults: c.req.query("maxResults") ? Number(c.req.query("maxResults")) : undefined,
      fields: c.req.query("fields")?.split(","),
    }),
  );

  app.post("/issue/bulkfetch", async (c) => {
    const b = (await c.req.json().catch(() => ({}))) as { issueIdsOrKeys?: string[]; fields?: string[] };
    const ids = b.issueIdsOrKeys ?? [];
    if (ids.length > 100) return err(c, 400, ["You can request up to 100 issues."]);
    const site = c.get("site");
    const found: SandboxIssue[] = [];
    const issueErrors: unknown[] = [];
    for (const k of ids) {
      const i = /^\d+$/.test(k) ? site.issues.get(Number(k)) : site.byKey.get(k.toUpperCase());
      if (i) found.push(i);
      else issueErrors.push({ issueIdOrKey: k, errorMessage: "Issue does not exist or you do not have permission to see it." });
    }
    found.sort((a, z) => a.id - z.id);
    const issues = found.map((i) => renderIssue(ctx(c), i, b.fields ?? ["*navigable"]));
    if (c.get("malformed")) breakOne(issues);
    return c.json({ expand: "schema,names", issues, issueErrors });
  });

  app.get("/issue/:key", (c) => {
    const i = issueOf(c);
    if (!i) return notFound(c);
    return c.json(renderIssue(ctx(c), i, c.req.query("fields")?.split(",") ?? null));
  });

  app.put("/issue/:key", async (c) => {
    const i = issueOf(c);
    if (!i) return notFound(c);
    const gated = deps.writeGate(i);
    if (gated) return gated;
    const b = (await c.req.json().catch(() => null)) as {
      update?: { labels?: Array<Record<string, string>> };
      fields?: { labels?: string[]; summary?: string };
    } | null;
    if (!b) return err(c, 400, ["Invalid request payload. Refer to the REST API documentation and try again."]);
    const before = [...i.labels];
    let labels = [...i.labels];
    if (b.fields?.labels) labels = [...b.fields.labels];
    for (const op of b.update?.labels ?? []) {
      if (op.add !== undefined && !labels.includes(op.add)) labels.push(op.add);
      if (op.remove !== undefined) labels = labels.filter((l) => l !== op.remove);
      if (op.set !== undefined) labels = String(op.set).split(",");
    }
    const bad = labels.find((l) => /\s/.test(l) || l.length > 255 || l === "");
    if (bad !== undefined) return err(c, 400, [], { labels: `The label '${bad}' contains spaces which is invalid.` });
    const changelog: Array<{ field: string; fromString: string | null; toString: string | null }> = [];
    if (labels.join(" ") !== before.join(" ")) changelog.push({ field: "labels", fromString: before.join(" "), toString: labels.join(" ") });
    if (b.fields?.summary !== undefined && b.fields.summary !== i.summary) {
      changelog.push({ field: "summary", fromString: i.summary, toString: b.fields.summary });
      i.summary = b.fields.summary;
    }
    i.labels = labels;
    if (changelog.length) {
      touch(c.get("site"), i, deps.clock());
      await deps.emit(c.get("site"), "jira:issue_updated", i, { changelog });
    }
    return c.body(null, 204);
  });

  app.get("/issue/:key/comment", (c) => {
    const i = issueOf(c);
    if (!i) return notFound(c);
    const startAt = Number(c.req.query("startAt") ?? 0);
    const maxResults = Math.min(Number(c.req.query("maxResults") ?? 5000), 5000);
    const comments = i.comments.slice(startAt, startAt + maxResults).map((cm) => renderComment(ctx(c), i, cm));
    if (c.get("malformed") && comments[0]) (comments[0] as Record<string, unknown>).id = null;
    return c.json({ self: c.req.url, startAt, maxResults, total: i.comments.length, comments });
  });

  /** The comment body checked as Jira checks ADF (see adf-check.ts): null when valid. */
  const adfError = (b: unknown): string | null => adfProblem((b as { body?: unknown } | null)?.body);
  app.post("/issue/:key/comment", async (c) => {
    const i = issueOf(c);
    if (!i) return notFound(c);
    const gated = deps.writeGate(i);
    if (gated) return gated;
    const b = await c.req.json().catch(() => null);
    const problem = adfError(b);
    if (problem) return err(c, 400, ["Comment body is not valid!"], { comment: problem });
    const now = deps.clock();
    const cm = { id: c.get("site").nextCommentId++, body: (b as { body: unknown }).body, authorId: USER.accountId, created: now, updated: now };
    i.comments.push(cm);
    touch(c.get("site"), i, now);
    await deps.emit(c.get("site"), "comment_created", i, { comment: cm });
    return c.json(renderComment(ctx(c), i, cm), 201);
  });
  app.put("/issue/:key/comment/:id", async (c) => {
    const i = issueOf(c);
    const cm = i?.comments.find((x) => String(x.id) === c.req.param("id"));
    if (!i || !cm) return err(c, 404, ["Can not find a comment for the id: " + c.req.param("id") + "."]);
    const gated = deps.writeGate(i);
    if (gated) return gated;
    const b = await c.req.json().catch(() => null);
    const problem = adfError(b);
    if (problem) return err(c, 400, ["Comment body is not valid!"], { comment: problem });
    cm.body = (b as { body: unknown }).body;
    cm.updated = deps.clock();
    touch(c.get("site"), i, cm.updated);
    await deps.emit(c.get("site"), "comment_updated", i, { comment: cm });
    return c.json(renderComment(ctx(c), i, cm));
  });
  app.delete("/issue/:key/comment/:id", async (c) => {
    const i = issueOf(c);
    const cm = i?.comments.find((x) => String(x.id) === c.req.param("id"));
    if (!i || !cm) return err(c, 404, ["Can not find a comment for the id: " + c.req.param("id") + "."]);
    const gated = deps.writeGate(i);
    if (gated) return gated;
    i.comments = i.comments.filter((x) => x !== cm);
    touch(c.get("site"), i, deps.clock());
    await deps.emit(c.get("site"), "comment_deleted", i, { comment: cm });
    return c.body(null, 204);
  });

  let nextWebhookId = 1;
  app.post("/webhook", async (c) => {
    const site = c.get("site");
    const b = (await c.req.json().catch(() => null)) as { url?: string; webhooks?: Array<{ events?: string[]; jqlFilter?: string }> } | null;
    if (!b?.url || !Array.isArray(b.webhooks)) return err(c, 400, ["url and webhooks are required."]);
    const webhookRegistrationResult = b.webhooks.map((w) => {
      const errors: string[] = [];
      const events = w.events ?? [];
      if (!events.length || events.some((e) => !WEBHOOK_EVENTS.includes(e))) errors.push(`Events must be a non-empty subset of ${WEBHOOK_EVENTS.join(", ")}.`);
      let projects: string[] = [];
      try {
        const q = parseJql(w.jqlFilter ?? "", deps.tz);
        if (!q.projects || q.dates.length || q.order.length) throw new JqlError("The JQL filter must restrict by project.");
        projects = q.projects;
      } catch (e) {
        errors.push(`Invalid JQL filter: ${(e as Error).message}`);
      }
      if (errors.length) return { errors };
      const id = nextWebhookId++;
      site.webhooks.set(id, { id, url: b.url!, events, jqlFilter: w.jqlFilter!, projects, expiresAt: deps.clock() + 30 * 86_400_000 });
      return { createdWebhookId: id };
    });
    return c.json({ webhookRegistrationResult });
  });
  app.get("/webhook", (c) => {
    const all = [...c.get("site").webhooks.values()];
    const values = all.map((w) => ({ id: w.id, jqlFilter: w.jqlFilter, events: w.events, expirationDate: w.expiresAt, url: w.url }));
    return c.json({ self: c.req.url, maxResults: 100, startAt: 0, total: values.length, isLast: true, values });
  });
  app.put("/webhook/refresh", async (c) => {
    const b = (await c.req.json().catch(() => null)) as { webhookIds?: number[] } | null;
    const expirationDate = deps.clock() + 30 * 86_400_000;
    for (const id of b?.webhookIds ?? []) {
      const w = c.get("site").webhooks.get(id);
      if (w) w.expiresAt = expirationDate;
    }
    return c.json({ expirationDate });
  });
  app.delete("/webhook", async (c) => {
    const b = (await c.req.json().catch(() => null)) as { webhookIds?: number[] } | null;
    for (const id of b?.webhookIds ?? []) c.get("site").webhooks.delete(id);
    return c.body(null, 202);
  });
  return app;
}
