/**
 * A Jira Cloud simulator (sandbox): Atlassian OAuth 2.0 (3LO) under
 * `{basePath}/auth`, the API gateway under `{basePath}/api`
 * (`/oauth/token/accessible-resources`, `/me`, `/ex/jira/{cloudId}/rest/api/3/...`),
 * with the user's time zone applied to JQL (minute precision), real paging
 * (`nextPageToken`, `isLast`, capped `maxResults`), rate-limit headers on every
 * API answer and 429s with `Retry-After`/`RateLimit-Reason`, faults, and
 * JWT-signed webhook deliveries.
 *
 * @example
 * const jira = createJiraSandbox({ clientId: "cid", clientSecret: "secret" });
 * const { accessToken } = jira.issueToken();
 * const site = jira.defaultSite();
 * jira.seed(site.id, "AUD", 250);
 * await jira.fetch(new Request(`http://x/jira/api/ex/jira/${site.id}/rest/api/3/myself`, { headers: { authorization: `Bearer ${accessToken}` } }));
 */
import { Hono } from "hono";
import { FaultInjector, sleep, type FaultKind } from "../common/faults";
import { Outbox, type Delivery } from "../common/outbox";
import { emptyStats, type SandboxStats, type SandboxTracker } from "../common/types";
import { apiRoutes, type Env } from "./api";
import { SandboxAuth } from "./auth";
import { buildDelivery } from "./deliveries";
import { webhookBody } from "./render";
import { createSite, DEFAULT_SITES, seedProject, textToAdf, touch, USER, type SandboxIssue, type SandboxSite, type SeedOptions, type SiteSpec } from "./state";

export interface JiraSandboxOptions {
  basePath?: string;
  origin?: string;
  /** Fallback delivery target when no dynamic webhook matches (the demo's service URL). */
  webhookUrl?: string | null;
  /** Unused by Jira (OAuth apps' deliveries are signed with the client secret); accepted for a uniform factory. */
  webhookSecret?: string;
  clientId: string;
  clientSecret: string;
  seed?: SeedOptions;
  /** The user's profile time zone (JQL dates are read in it). Default Australia/Sydney. */
  timeZone?: string;
  sites?: SiteSpec[];
  /** Request budget per access token and window. Default 6000 per minute. */
  rateLimit?: { limit: number; windowMs: number };
  /** Writes per issue and window before `429 jira-per-issue-on-write`. Default 20 per 2 seconds. */
  perIssueWrites?: { limit: number; windowMs: number };
  /** How `nextPageToken` resumes: `position` (default) or `offset` (an edit mid-run shifts later rows back). */
  pageTokens?: "position" | "offset";
  /**
   * The documented search page-size rule (5,000 rows only for `id`/`key`, otherwise 100) is enforced by
   * default; `false` serves `updated`/`created` scans at 5,000 too (undocumented; only to compare).
   */
  strictPageSize?: boolean;
  /** E-mail/API token pairs accepted as basic auth (`Authorization: Basic base64(email:token)`); more with `addApiToken`. */
  apiTokens?: Array<{ email: string; token: string }>;
}

/**
 * The OAuth 2.0 (3LO) classic scope each REST v3 call needs, per Atlassian's operation reference:
 * reading issues, projects, fields and search `read:jira-work`; `/myself` `read:jira-user`; editing
 * issues and comments `write:jira-work`; dynamic webhooks `manage:jira-webhook`.
 */
export function requiredScope(method: string, path: string): string | null {
  const m = /\/rest\/api\/3(\/.*)$/.exec(path);
  if (!m) return null;
  const p = m[1]!;
  const verb = method.toUpperCase();
  if (p.startsWith("/webhook")) return "manage:jira-webhook";
  if (p === "/myself") return "read:jira-user";
  if (/^\/issue\/[^/]+(\/comment(\/[^/]+)?)?$/.test(p) && verb !== "GET") return "write:jira-work";
  return "read:jira-work";
}

export type JiraSandbox = ReturnType<typeof createJiraSandbox>;

export function createJiraSandbox(opts: JiraSandboxOptions) {
  const basePath = opts.basePath ?? "/jira";
  const tz = opts.timeZone ?? "Australia/Sydney";
  const faults = new FaultInjector();
  const outbox = new Outbox();
  let stats: SandboxStats = emptyStats();
  const auth = new SandboxAuth(opts.clientId, opts.clientSecret);
  for (const t of opts.apiTokens ?? []) auth.addApiToken(t.email, t.token);
  const sites = new Map<string, SandboxSite>();
  (opts.sites ?? DEFAULT_SITES).forEach((s, i) => sites.set(s.id, createSite(s, i + 1)));
  for (const site of sites.values())
    for (const p of site.projects.keys()) seedProject(site, p, opts.seed?.issuesPerProject ?? 30, { seed: opts.seed?.seed ?? 0 });
  const budget = opts.rateLimit ?? { limit: 6000, windowMs: 60_000 };
  const windows = new Map<string, { start: number; used: number }>();
  const perIssue = opts.perIssueWrites ?? { limit: 20, windowMs: 2_000 };
  const issueWrites = new Map<number, number[]>();
  const writeGate = (issue: SandboxIssue): Response | null => {
    const now = Date.now();
    const recent = (issueWrites.get(issue.id) ?? []).filter((t) => now - t < perIssue.windowMs);
    if (recent.length >= perIssue.limit) {
      issueWrites.set(issue.id, recent);
      return rateLimited("jira-per-issue-on-write", Math.max(1, Math.ceil((recent[0]! + perIssue.windowMs - now) / 1000)), perIssue.limit);
    }
    recent.push(now);
    issueWrites.set(issue.id, recent);
    return null;
  };
  const routeFaults: Array<{ kind: FaultKind; match: string; reason?: string }> = [];
  let lastTick = 0;
  const clock = () => (lastTick = Math.max(Date.now(), lastTick + 1));
  let deliverySeq = 0;

  const siteOf = (idOrName: string): SandboxSite => {
    const s = sites.get(idOrName) ?? [...sites.values()].find((x) => x.name === idOrName);
    if (!s) throw new Error(`no sandbox site ${idOrName}`);
    return s;
  };

  async function emit(site: SandboxSite, event: string, issue: SandboxIssue, extra: Parameters<typeof webhookBody>[4] = {}): Promise<void> {
    const now = Date.now();
    const hooks = [...site.webhooks.values()].filter((w) => w.expiresAt > now && w.events.includes(event) && w.projects.includes(issue.project));
    const targets = new Map<string | null, number[]>();
    for (const h of hooks) targets.set(h.url, [...(targets.get(h.url) ?? []), h.id]);
    if (targets.size === 0) targets.set(opts.webhookUrl ?? null, []);
    const origin = opts.origin ?? "http://127.0.0.1:8788";
    const ctx = { site, apiRoot: `${origin}${basePath}/api/ex/jira/${site.id}/rest/api/3`, tz };
    for (const [url, ids] of targets) {
      const identifier = `${site.id.slice(0, 8)}-${(++deliverySeq).toString(16).padStart(8, "0")}-${now.toString(16)}`;
      const body = JSON.stringify(webhookBody(ctx, event, issue, ids, extra));
      outbox.push(await buildDelivery({ identifier, retry: 0, url, event, body, secret: opts.clientSecret, cloudId: site.id, now }));
    }
  }

  const routeLabel = (method: string, path: string) =>
    `${method} ${path
      .slice(basePath.length)
      .replace(/\/ex\/jira\/[^/]+\/rest\/api\/3/, "")
      .replace(/\/issue\/[^/]+/, "/issue/:key")
      .replace(/\/comment\/\d+/, "/comment/:id")}`;

  const rateLimited = (reason: string, retryAfterSec: number, limit: number) =>
    new Response(JSON.stringify({ errorMessages: ["Rate limit exceeded."], errors: {} }), {
      status: 429,
      headers: {
        "content-type": "application/json;charset=UTF-8",
        "retry-after": String(retryAfterSec),
        "x-ratelimit-reset": new Date(Date.now() + retryAfterSec * 1000).toISOString(),
        "x-ratelimit-limit": String(limit),
        "x-ratelimit-remaining": "0",
        "x-ratelimit-nearlimit": "true",
        "ratelimit-reason": reason,
      },
    });

  const app = new Hono<Env>().basePath(basePath);
  app.use("*", async (c, next) => {
    stats.requests++;
    const m = c.req.method;
    const label = routeLabel(m, new URL(c.req.url).pathname);
    // POST search/jql and POST issue/bulkfetch are reads (a query in a body), like GraphQL queries.
    if (m === "GET" || m === "HEAD" || /\/search\/jql$|\/issue\/bulkfetch$/.test(label)) stats.reads++;
    else stats.writes++;
    stats.byRoute[label] = (stats.byRoute[label] ?? 0) + 1;
    await next();
  });
  app.route("/auth", auth.routes());

  app.use("/api/*", async (c, next) => {
    const label = routeLabel(c.req.method, new URL(c.req.url).pathname);
    const targeted = routeFaults.findIndex((f) => label.includes(f.match));
    const tf = targeted >= 0 ? routeFaults.splice(targeted, 1)[0]! : null;
    const fault = tf?.kind ?? faults.next();
    c.set("malformed", fault === "malformed");
    if (fault === "5xx")
      return c.json({ errorMessages: ["Service temporarily unavailable. Please try again later."], errors: {} }, stats.requests % 2 ? 503 : 502);
    if (fault === "timeout") {
      await sleep(faults.slowMs);
      return c.json({ errorMessages: ["Gateway timeout."] }, 504);
    }
    if (fault === "slow") await sleep(faults.slowMs);
    if (fault === "429") return rateLimited(tf?.reason ?? "jira-burst-based", faults.retryAfterSec, budget.limit);
    const authorization = c.req.header("authorization");
    const basic = SandboxAuth.isBasic(authorization);
    const token = auth.check(authorization);
    // Jira refuses a wrong e-mail/API token pair with 401 and `X-Seraph-LoginReason: AUTHENTICATED_FAILED`
    // (the header is Jira's; the exact body text here is not verified against Jira Cloud).
    if (!token && basic)
      return c.json({ errorMessages: ["Client must be authenticated to access this resource."], errors: {} }, 401, {
        "x-seraph-loginreason": "AUTHENTICATED_FAILED",
      });
    if (!token) return c.json({ code: 401, message: "Unauthorized" }, 401);
    const needed = requiredScope(c.req.method, new URL(c.req.url).pathname);
    // Atlassian answers a call the grant's scopes do not cover with 401 "scope does not match".
    if (needed && !token.scopes.includes(needed)) return c.json({ code: 401, message: "Unauthorized; scope does not match" }, 401);
    const now = Date.now();
    const key = c.req.header("authorization")!;
    let w = windows.get(key);
    if (!w || now - w.start >= budget.windowMs) windows.set(key, (w = { start: now, used: 0 }));
    w.used++;
    const remaining = Math.max(0, budget.limit - w.used);
    const resetIso = new Date(w.start + budget.windowMs).toISOString();
    if (w.used > budget.limit) return rateLimited("jira-quota-global-based", Math.max(1, Math.ceil((w.start + budget.windowMs - now) / 1000)), budget.limit);
    const pathMatch = /\/api\/ex\/jira\/([^/]+)\/rest\/api\/3/.exec(new URL(c.req.url).pathname);
    if (pathMatch) {
      const id = decodeURIComponent(pathMatch[1]!);
      // Basic auth talks to the site itself (`https://{name}.atlassian.net/rest/api/3`): here the
      // site may be named instead of given by cloudId.
      const site = sites.get(id) ?? (basic ? [...sites.values()].find((s) => s.name === id) : undefined);
      if (!site) return c.json({ errorMessages: ["Site not found or the token does not grant access to it."] }, 404);
      c.set("site", site);
      c.set("apiRoot", `${new URL(c.req.url).origin}${basePath}/api/ex/jira/${site.id}/rest/api/3`);
    }
    await next();
    c.res.headers.set("x-ratelimit-limit", String(budget.limit));
    c.res.headers.set("x-ratelimit-remaining", String(remaining));
    c.res.headers.set("x-ratelimit-reset", resetIso);
    if (remaining < budget.limit * 0.2) c.res.headers.set("x-ratelimit-nearlimit", "true");
  });

  app.get("/api/oauth/token/accessible-resources", (c) =>
    c.json(
      [...sites.values()].map((s) => ({
        id: s.id,
        url: s.url,
        name: s.name,
        scopes: auth.check(c.req.header("authorization"))?.scopes ?? [],
        avatarUrl: "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
      })),
    ),
  );
  app.get("/api/me", (c) =>
    c.json({
      account_type: "atlassian",
      account_id: USER.accountId,
      email: USER.email,
      name: USER.displayName,
      picture: "https://avatar.invalid/mk.png",
      account_status: "active",
      locale: "en-US",
      extended_profile: {},
    }),
  );
  app.route("/api/ex/jira/:cloudId/rest/api/3", apiRoutes({ tz, clock, emit, writeGate, pageTokens: opts.pageTokens, strictPageSize: opts.strictPageSize }));

  const tracker: SandboxTracker = {
    tracker: "jira",
    basePath,
    fetch: async (req: Request) => app.fetch(req),
    faults,
    outbox,
    get stats() {
      return stats;
    },
    resetStats() {
      stats = emptyStats();
    },
  };

  return Object.assign(tracker, {
    state: { sites, timeZone: tz },
    auth,
    clock,
    site: siteOf,
    defaultSite: () => [...sites.values()][0]!,
    /** Accept basic auth for this e-mail address and API token (a fresh one when omitted); the e-mail defaults to the sandbox user's. */
    addApiToken: (email: string = USER.email, token?: string) => auth.addApiToken(email, token),
    revokeApiToken: (email: string, token: string) => auth.revokeApiToken(email, token),
    /** Mint a token pair directly (skips the authorize page). */
    issueToken: (scopes?: string[], ttlMs?: number) => auth.issue(scopes, ttlMs),
    revokeToken: (accessToken: string) => auth.revoke(accessToken),
    expireToken: (accessToken: string) => auth.expire(accessToken),
    /** Replace a project's issues with `n` seeded ones. */
    seed: (siteId: string, projectKey: string, n: number, o: Parameters<typeof seedProject>[3] = {}) => seedProject(siteOf(siteId), projectKey, n, o),
    issue: (siteId: string, key: string) => siteOf(siteId).byKey.get(key) ?? siteOf(siteId).issues.get(Number(key)),
    /** A human edits an issue in Jira's UI (emits jira:issue_updated). `updatedAt` pins the new updated time. */
    async humanUpdate(
      siteId: string,
      key: string,
      patch: { title?: string; body?: string; addLabels?: string[]; removeLabels?: string[]; updatedAt?: string | number },
    ) {
      const site = siteOf(siteId);
      const i = site.byKey.get(key);
      if (!i) throw new Error(`no issue ${key}`);
      const changelog: Array<{ field: string; fromString: string | null; toString: string | null }> = [];
      if (patch.title !== undefined) changelog.push({ field: "summary", fromString: i.summary, toString: (i.summary = patch.title) });
      if (patch.body !== undefined) {
        i.body = patch.body;
        changelog.push({ field: "description", fromString: null, toString: patch.body });
      }
      const before = i.labels.join(" ");
      for (const l of patch.addLabels ?? []) if (!i.labels.includes(l)) i.labels.push(l.replace(/\s+/g, "-"));
      i.labels = i.labels.filter((l) => !(patch.removeLabels ?? []).includes(l));
      if (i.labels.join(" ") !== before) changelog.push({ field: "labels", fromString: before, toString: i.labels.join(" ") });
      const at = patch.updatedAt === undefined ? clock() : typeof patch.updatedAt === "number" ? patch.updatedAt : Date.parse(patch.updatedAt);
      touch(site, i, at);
      await emit(site, "jira:issue_updated", i, { changelog });
      return i;
    },
    /** A human deletes an issue (emits jira:issue_deleted). */
    async humanDelete(siteId: string, key: string) {
      const site = siteOf(siteId);
      const i = site.byKey.get(key);
      if (!i) throw new Error(`no issue ${key}`);
      site.issues.delete(i.id);
      site.byKey.delete(i.key);
      const p = site.projects.get(i.project);
      if (p) p.sorted = null;
      await emit(site, "jira:issue_deleted", i);
    },
    /** A human comments (emits comment_created). */
    async humanComment(siteId: string, key: string, text: string) {
      const site = siteOf(siteId);
      const i = site.byKey.get(key);
      if (!i) throw new Error(`no issue ${key}`);
      const now = clock();
      const cm = { id: site.nextCommentId++, body: textToAdf(text), authorId: USER.accountId, created: now, updated: now };
      i.comments.push(cm);
      touch(site, i, now);
      await emit(site, "comment_created", i, { comment: cm });
      return cm;
    },
    /** Fail the next request whose route label contains `match` (e.g. "search/jql") with `kind`. */
    queueFault(kind: FaultKind, match: string, reason?: string) {
      routeFaults.push({ kind, match, reason });
    },
    /** Jira retries a delivery: same identifier, retry count + 1, fresh JWT. */
    async redeliver(d: Delivery): Promise<Delivery> {
      const retry = Number(d.headers["x-atlassian-webhook-retry"] ?? 0) + 1;
      const cloudId = [...sites.values()].find((s) => d.id.startsWith(s.id.slice(0, 8)))?.id ?? "";
      const again = await buildDelivery({
        identifier: d.id,
        retry,
        url: d.url,
        event: d.event,
        body: d.body,
        secret: opts.clientSecret,
        cloudId,
        now: Date.now(),
      });
      outbox.push(again);
      return again;
    },
  });
}
