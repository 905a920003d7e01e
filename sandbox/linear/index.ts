/**
 * The Linear sandbox simulator: GraphQL over POST at `{basePath}/api/graphql`
 * validated against Linear's real schema, OAuth at `{basePath}/oauth/authorize`
 * and `{basePath}/api/oauth/{token,revoke}`, leaky-bucket request and
 * complexity budgets with Linear's headers on every answer, Linear's error
 * shapes, signed webhooks for every write in the outbox, faults, stats.
 *
 * @example
 * const sb = createLinearSandbox({ basePath: "/linear", webhookSecret: "s", clientId: "id", clientSecret: "sec" });
 * const token = sb.issueToken().accessToken;
 * const res = await sb.fetch(new Request("http://x/linear/api/graphql", {
 *   method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
 *   body: JSON.stringify({ query: "{ viewer { id } }" }),
 * }));
 */
import { Hono } from "hono";
import { hmacSha256Hex } from "../../connectors/http";
import { FaultInjector, sleep } from "../common/faults";
import { Outbox, type Delivery } from "../common/outbox";
import { emptyStats, type SandboxTracker } from "../common/types";
import { mutationRoot, queryRoot, type ApiContext, type Emit } from "./api";
import { coerceVariables, complexity, prepare, project } from "./graphql";
import { LinearTokens } from "./oauth";
import { LinearWorkspace, normalizeMarkdown, type SeedOptions } from "./state";
import { GraphqlUserError, issueWebhookData, commentWebhookData } from "./views";

export interface LinearSandboxOptions {
  basePath?: string;
  origin?: string;
  webhookUrl?: string | null;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
  seed?: SeedOptions;
  /** Clock (ms), injectable for tests. */
  now?: () => number;
  /**
   * Leaky buckets per token, refilled evenly over `windowMs`. Defaults are the conservative published
   * figures: 2,500 requests an hour (Linear's figure for OAuth apps, as issue 17 quotes it) and 250,000
   * complexity points an hour (the figure reported for API keys; the OAuth figure is unverified).
   */
  rateLimits?: { requests?: number; complexity?: number; windowMs?: number };
  /** Access token lifetime (s). Default 86,399 (about a day). */
  accessTtlSec?: number;
  /** Largest `first` accepted. Default 250. */
  maxPage?: number;
  /** Personal API keys accepted as `Authorization: <key>` (no `Bearer`); more with `issueApiKey`. */
  apiKeys?: string[];
}

/** The simulator's default budgets per token and hour (see `rateLimits`). */
export const LINEAR_DEFAULT_BUDGETS = { requests: 2_500, complexity: 250_000 } as const;

/** Linear's per-query complexity cap. */
export const MAX_QUERY_COMPLEXITY = 10_000;

interface Bucket {
  level: number;
  at: number;
}

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });

function gqlError(message: string, type: string, code: string, statusCode: number, extra: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { type, code, statusCode, userError: statusCode < 500, userPresentableMessage: message, ...extra } }] };
}

export function createLinearSandbox(opts: LinearSandboxOptions) {
  const basePath = opts.basePath ?? "/linear";
  const now = opts.now ?? Date.now;
  const seed = opts.seed?.seed ?? 1;
  const ws = new LinearWorkspace(now, seed);
  ws.seedIssues("ENG", opts.seed?.issues ?? 60, opts.seed);
  ws.seedIssues("OPS", 8, { seed: seed + 1 });
  const faults = new FaultInjector();
  const outbox = new Outbox();
  const stats = emptyStats();
  /** Personal API keys (`lin_api_…`), sent without `Bearer`. */
  const apiKeys = new Set<string>(opts.apiKeys ?? []);
  const tokens = new LinearTokens({ clientId: opts.clientId, clientSecret: opts.clientSecret, now, accessTtlSec: opts.accessTtlSec ?? 86_399, seed });
  const limits = {
    requests: opts.rateLimits?.requests ?? LINEAR_DEFAULT_BUDGETS.requests,
    complexity: opts.rateLimits?.complexity ?? LINEAR_DEFAULT_BUDGETS.complexity,
    windowMs: opts.rateLimits?.windowMs ?? 3_600_000,
  };
  const buckets = new Map<string, { requests: Bucket; complexity: Bucket }>();
  const ctx: ApiContext = { ws, emit: () => {}, breakOne: false, maxPage: opts.maxPage ?? 250 };
  let webhookUrl = opts.webhookUrl ?? null;
  const webhookId = ws.newId();
  const count = (route: string) => {
    stats.requests++;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
  };

  // --- webhooks ---
  const pending: Array<Parameters<Emit>> = [];
  ctx.emit = (...args) => pending.push(args);
  async function flushWebhooks(): Promise<void> {
    while (pending.length) {
      const [type, action, data, updatedFrom] = pending.shift()!;
      const t = now();
      const body = JSON.stringify({
        action,
        actor: { id: ws.viewer.id, type: "user", name: ws.viewer.name },
        createdAt: new Date(t).toISOString(),
        data,
        url: (data as { url?: string }).url ?? null,
        type,
        organizationId: ws.org.id,
        webhookTimestamp: t,
        webhookId,
        ...(updatedFrom ? { updatedFrom } : {}),
      });
      const id = ws.newId();
      outbox.push({
        id,
        url: webhookUrl,
        event: type,
        createdAt: t,
        body,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Linear-Webhook",
          "linear-delivery": id,
          "linear-event": type,
          "linear-signature": await hmacSha256Hex(opts.webhookSecret, body),
        },
      });
    }
  }

  // --- rate limits ---
  function bucketsOf(token: string) {
    let b = buckets.get(token);
    if (!b) {
      b = { requests: { level: limits.requests, at: now() }, complexity: { level: limits.complexity, at: now() } };
      buckets.set(token, b);
    }
    const t = now();
    for (const [k, cap] of [
      ["requests", limits.requests],
      ["complexity", limits.complexity],
    ] as const) {
      const x = b[k];
      x.level = Math.min(cap, x.level + ((t - x.at) * cap) / limits.windowMs);
      x.at = t;
    }
    return b;
  }
  function rlHeaders(token: string | null, cost: number | null): Record<string, string> {
    const h: Record<string, string> = {};
    if (cost !== null) h["x-complexity"] = String(cost);
    if (!token) return h;
    const b = bucketsOf(token);
    const t = now();
    for (const [k, cap] of [
      ["requests", limits.requests],
      ["complexity", limits.complexity],
    ] as const) {
      const level = Math.floor(b[k].level);
      h[`x-ratelimit-${k}-limit`] = String(cap);
      h[`x-ratelimit-${k}-remaining`] = String(Math.max(0, level));
      h[`x-ratelimit-${k}-reset`] = String(Math.ceil(t + ((cap - b[k].level) * limits.windowMs) / cap));
    }
    return h;
  }

  const app = new Hono().basePath(basePath);
  tokens.routes(app, count);

  app.post("/api/graphql", async (c) => {
    count("POST /api/graphql");
    const fault = faults.next();
    if (fault === "5xx") return json(gqlError("Internal server error", "internal error", "INTERNAL_ERROR", 503), 503);
    if (fault === "timeout") {
      const signal = c.req.raw.signal;
      await Promise.race([sleep(faults.slowMs), new Promise<void>((r) => signal?.addEventListener("abort", () => r(), { once: true }))]);
      return json(gqlError("Gateway timeout", "internal error", "INTERNAL_ERROR", 504), 504);
    }
    if (fault === "slow") await sleep(faults.slowMs);
    if (fault === "malformed") ctx.breakOne = true;

    // Linear's documented forms: a personal API key as it is (`Authorization: <API_KEY>`), an OAuth
    // access token as `Bearer <ACCESS_TOKEN>`. A key sent as `Bearer lin_api_…` is not an OAuth token
    // and is refused like any unknown one (real Linear reportedly answers "Remove the Bearer prefix
    // from the Authorization header."; that text is from a third-party report, not Linear's docs).
    // An OAuth token without `Bearer` is still accepted here, as before (Linear's answer unverified).
    const header = (c.req.header("authorization") ?? "").trim();
    const bearer = /^Bearer\s+/i.test(header);
    const token = header.replace(/^Bearer\s+/i, "").trim();
    const tokenState = !token ? "unknown" : !bearer && apiKeys.has(token) ? "ok" : tokens.check(token);
    if (tokenState !== "ok") {
      const msg =
        tokenState === "expired" ? "Access token expired" : tokenState === "revoked" ? "Access token revoked" : "Authentication required, not authenticated";
      return json(gqlError(msg, "authentication error", "AUTHENTICATION_ERROR", 401), 401);
    }
    if (fault === "429") {
      const retryAt = now() + faults.retryAfterSec * 1000;
      const h = rlHeaders(token, null);
      h["x-ratelimit-requests-remaining"] = "0";
      h["x-ratelimit-requests-reset"] = String(retryAt);
      h["retry-after"] = String(faults.retryAfterSec);
      return json(gqlError("Rate limit exceeded", "ratelimited", "RATELIMITED", 429, { meta: { reason: "requests" } }), 429, h);
    }

    let payload: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      payload = (await c.req.json()) as typeof payload;
    } catch {
      return json(gqlError("Body must be JSON", "graphql error", "BAD_REQUEST", 400), 400, rlHeaders(token, null));
    }
    if (typeof payload.query !== "string")
      return json(gqlError("Must provide query string.", "graphql error", "BAD_REQUEST", 400), 400, rlHeaders(token, null));
    const p = prepare(payload.query, typeof payload.operationName === "string" ? payload.operationName : null);
    if ("errors" in p) {
      const errors = p.errors.map((e) => ({
        message: e.message,
        locations: e.locations,
        extensions: { type: "graphql error", code: "GRAPHQL_VALIDATION_FAILED", statusCode: 400, userError: true, userPresentableMessage: e.message },
      }));
      return json({ errors }, 400, rlHeaders(token, null));
    }
    const coerced = coerceVariables(p, payload.variables);
    if ("errors" in coerced) {
      const errors = coerced.errors.map((e) => ({
        message: e.message,
        extensions: { type: "graphql error", code: "BAD_USER_INPUT", statusCode: 400, userError: true, userPresentableMessage: e.message },
      }));
      return json({ errors }, 400, rlHeaders(token, null));
    }
    const vars = coerced.vars;
    const cost = complexity(p, vars);
    const b = bucketsOf(token);
    if (cost > MAX_QUERY_COMPLEXITY)
      return json(gqlError(`Query too complex: ${cost} > ${MAX_QUERY_COMPLEXITY}`, "invalid input", "QUERY_TOO_COMPLEX", 400), 400, rlHeaders(token, cost));
    if (b.requests.level < 1 || b.complexity.level < cost) {
      const reason = b.requests.level < 1 ? "requests" : "complexity";
      return json(gqlError("Rate limit exceeded", "ratelimited", "RATELIMITED", 400, { meta: { reason } }), 400, rlHeaders(token, cost));
    }
    b.requests.level -= 1;
    b.complexity.level -= cost;

    const isMutation = p.op.operation === "mutation";
    if (isMutation) stats.writes++;
    else stats.reads++;
    const routeName = `${p.op.operation} ${p.op.name?.value ?? "anonymous"}`;
    stats.byRoute[routeName] = (stats.byRoute[routeName] ?? 0) + 1;
    let data: unknown;
    try {
      data = project(isMutation ? mutationRoot(ctx) : queryRoot(ctx), p.op.selectionSet, p.doc, vars);
    } catch (e) {
      pending.length = 0;
      if (e instanceof GraphqlUserError) return json(gqlError(e.message, e.type, e.code, 400), 400, rlHeaders(token, cost));
      throw e;
    }
    await flushWebhooks();
    return json({ data }, 200, rlHeaders(token, cost));
  });

  app.all("*", (c) => {
    count("unknown");
    return json(gqlError(`No route ${c.req.method} ${new URL(c.req.url).pathname}`, "invalid input", "NOT_FOUND", 404), 404);
  });

  const sandbox = {
    tracker: "linear" as const,
    basePath,
    faults,
    outbox,
    stats,
    state: ws,
    tokens,
    /** Like a real fetch, the promise rejects with an AbortError when the request's signal aborts. */
    fetch: (req: Request): Promise<Response> =>
      new Promise<Response>((resolve, reject) => {
        const signal = req.signal;
        const abort = () => reject(new DOMException("The operation was aborted.", "AbortError"));
        if (signal?.aborted) return abort();
        signal?.addEventListener("abort", abort, { once: true });
        Promise.resolve(app.fetch(req)).then(resolve, reject);
      }),
    resetStats() {
      stats.requests = 0;
      stats.reads = 0;
      stats.writes = 0;
      stats.byRoute = {};
    },
    setWebhookUrl(url: string | null) {
      webhookUrl = url;
    },
    /** A fresh personal API key (`lin_api_` and 40 hex characters), as Linear → Settings → API makes one. */
    issueApiKey(): string {
      const key = `lin_api_${[...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
      apiKeys.add(key);
      return key;
    },
    revokeApiKey: (key: string) => apiKeys.delete(key),
    /** A fresh token set, as after an OAuth approval. */
    issueToken: (scopes?: string[]) => tokens.issue(scopes),
    revokeToken: (accessToken: string) => tokens.revoke(accessToken),
    /** Empty (or set) a token's budgets, e.g. to provoke a complexity `ratelimited`. */
    setBudget(accessToken: string, b: { requests?: number; complexity?: number }) {
      const x = bucketsOf(accessToken);
      if (b.requests !== undefined) x.requests.level = b.requests;
      if (b.complexity !== undefined) x.complexity.level = b.complexity;
    },
    /** Replace a team's issues with `n` seeded ones; returns their ids. */
    seedIssues(n: number, o: SeedOptions & { team?: string } = {}): string[] {
      return ws.seedIssues(o.team ?? "ENG", n, o).map((i) => i.id);
    },
    /** A human edits an issue (webhook `Issue update`). */
    async humanUpdate(idOrKey: string, patch: { title?: string; body?: string; addLabels?: string[]; removeLabels?: string[]; updatedAt?: string }) {
      const i = ws.findIssue(idOrKey);
      if (!i) throw new Error(`no issue ${idOrKey}`);
      const before = { labelIds: [...i.labelIds], title: i.title, updatedAt: new Date(i.updatedAt).toISOString() };
      if (patch.title !== undefined) i.title = patch.title;
      if (patch.body !== undefined) i.description = patch.body;
      for (const name of patch.addLabels ?? []) {
        const l = ws.labelByName(i.teamId, name) ?? ws.createLabel({ name, teamId: i.teamId });
        if (!i.labelIds.includes(l.id)) i.labelIds.push(l.id);
      }
      for (const name of patch.removeLabels ?? []) i.labelIds = i.labelIds.filter((id) => ws.labels.get(id)?.name !== name);
      i.updatedAt = patch.updatedAt ? Date.parse(patch.updatedAt) : ws.stamp();
      ctx.emit("Issue", "update", issueWebhookData(ws, i), before);
      await flushWebhooks();
    },
    /** A human comments on an issue (webhook `Comment create`). */
    async humanComment(idOrKey: string, body: string) {
      const i = ws.findIssue(idOrKey);
      if (!i) throw new Error(`no issue ${idOrKey}`);
      const t = ws.stamp();
      const cm = { id: ws.newId(), issueId: i.id, body: normalizeMarkdown(body), userId: ws.users[1]!.id, createdAt: t, updatedAt: t };
      ws.comments.set(i.id, [...ws.commentsOf(i.id), cm]);
      ctx.emit("Comment", "create", commentWebhookData(ws, cm));
      await flushWebhooks();
      return cm.id;
    },
    labelsOf(idOrKey: string): string[] {
      const i = ws.findIssue(idOrKey);
      return i ? i.labelIds.map((id) => ws.labels.get(id)?.name ?? id) : [];
    },
    commentsOf(idOrKey: string): Array<{ id: string; text: string }> {
      const i = ws.findIssue(idOrKey);
      return i ? ws.commentsOf(i.id).map((c) => ({ id: c.id, text: c.body })) : [];
    },
    /** Linear retries a failed delivery with the same `linear-delivery` id and body. */
    redeliver(d: Delivery): Delivery {
      const copy = { ...d, headers: { ...d.headers } };
      outbox.push(copy);
      return copy;
    },
  } satisfies SandboxTracker & Record<string, unknown>;
  return sandbox;
}

export type LinearSandbox = ReturnType<typeof createLinearSandbox>;
