/**
 * GraphQL over the shared `HttpClient`. `@linear/sdk`'s `LinearGraphQLClient`
 * calls `globalThis.fetch` (v98: `rawRequest` reads `globalThis.fetch`, its
 * options are `RequestInit` only), so it cannot take an injected fetch: the
 * connector POSTs its own documents (`queries.ts`) and maps Linear's errors
 * the way the SDK's `parseLinearError` does (extensions.type / code first,
 * HTTP status second).
 */
import { ConnectorError } from "../errors";
import { HttpClient, parseOrThrow, parseRetryAfter, type RateLimitReader } from "../http";
import type { Auth, FetchLike, RateLimitState } from "../types";
import { GraphqlEnvelopeSchema, type GraphqlError } from "./schema";
import type { z } from "zod";

const TRACKER = "linear";

function num(h: Headers, name: string): number | null {
  const v = h.get(name);
  if (v === null || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Linear sends reset times as epoch milliseconds; accept epoch seconds too. */
function epochMs(v: number | null): number | null {
  if (v === null) return null;
  return v < 1e11 ? v * 1000 : v;
}

function errorsOf(text: string): GraphqlError[] {
  if (!text.includes('"errors"')) return [];
  try {
    const r = GraphqlEnvelopeSchema.safeParse(JSON.parse(text));
    return r.success ? (r.data.errors ?? []) : [];
  } catch {
    return [];
  }
}

const isRatelimited = (e: GraphqlError) => e.extensions?.code === "RATELIMITED" || e.extensions?.type === "ratelimited";

/**
 * Reads `x-ratelimit-{requests,complexity}-{limit,remaining,reset}`. Limited
 * on HTTP 429 or a `ratelimited` GraphQL error (Linear answers those with
 * HTTP 400). The reason is `requests` when the request budget is spent,
 * `complexity` otherwise; `retryAt` is that budget's reset.
 */
export const readLinearRateLimit: RateLimitReader = (res, now) => {
  const h = res.headers;
  const req = {
    limit: num(h, "x-ratelimit-requests-limit"),
    remaining: num(h, "x-ratelimit-requests-remaining"),
    reset: epochMs(num(h, "x-ratelimit-requests-reset")),
  };
  const cx = {
    limit: num(h, "x-ratelimit-complexity-limit"),
    remaining: num(h, "x-ratelimit-complexity-remaining"),
    reset: epochMs(num(h, "x-ratelimit-complexity-reset")),
  };
  const frac = (b: typeof req) => (b.limit && b.remaining !== null ? b.remaining / b.limit : 1);
  const tighter = cx.limit !== null && frac(cx) < frac(req) ? "complexity" : "requests";
  const b = tighter === "complexity" ? cx : req;
  const state: RateLimitState = { limit: b.limit, remaining: b.remaining, resetAt: b.reset, resource: tighter };
  const limited = res.status === 429 || (res.status !== 200 || res.text.length < 4096 ? errorsOf(res.text).some(isRatelimited) : false);
  if (!limited) return { limited: false, retryAt: null, state };
  const reason = req.remaining !== null && req.remaining <= 0 ? "requests" : cx.limit !== null ? "complexity" : "requests";
  const reset = reason === "requests" ? req.reset : cx.reset;
  const retryAt = reset ?? parseRetryAfter(h.get("retry-after"), now) ?? now + 60_000;
  return { limited: true, retryAt, reason, state: { ...state, resource: reason } };
};

/** A plan's usage limit is not a per-hour budget; retry no sooner than this (an assumption: Linear publishes no reset for it). */
export const USAGE_LIMIT_RETRY_MS = 60 * 60_000;

/**
 * Maps Linear GraphQL errors to ConnectorError, as the SDK's error classes do. The `extensions.type`
 * strings are @linear/sdk's `errorMap` (verified in node_modules/@linear/sdk): "feature not accessible"
 * → forbidden, "usage limit exceeded" → rate-limited (retry in an hour), "invalid input" →
 * invalid-request. `reason` is the type when there is one, else the code.
 */
export function errorFromGraphql(errors: GraphqlError[], status: number, now = Date.now()): ConnectorError {
  const e = errors[0];
  const code = e?.extensions?.code ?? "";
  const type = e?.extensions?.type ?? "";
  const message = e?.extensions?.userPresentableMessage ?? e?.message ?? "unknown error";
  const details = { tracker: TRACKER, status, reason: type || code || undefined };
  if (code === "AUTHENTICATION_ERROR" || type === "authentication error") return new ConnectorError("auth", `linear: ${message}`, details);
  if (code === "FORBIDDEN" || type === "forbidden" || code === "FEATURE_NOT_ACCESSIBLE" || type === "feature not accessible")
    return new ConnectorError("forbidden", `linear: ${message}`, details);
  // "Entity not found" arrives as an `invalid input` error: it is checked first.
  if (/not found/i.test(e?.message ?? "") || code === "ENTITY_NOT_FOUND") return new ConnectorError("not-found", `linear: ${message}`, details);
  if (type === "usage limit exceeded" || code === "USAGE_LIMIT_EXCEEDED")
    return new ConnectorError("rate-limited", `linear: ${message}`, { ...details, retryAt: now + USAGE_LIMIT_RETRY_MS });
  if (type === "invalid input" || code === "INVALID_INPUT" || code === "QUERY_TOO_COMPLEX")
    return new ConnectorError("invalid-request", `linear: ${message}`, details);
  if (code === "INTERNAL_ERROR" || type === "internal error" || type === "lock timeout" || type === "network error")
    return new ConnectorError("upstream", `linear: ${message}`, details);
  return new ConnectorError("invalid-response", `linear: ${message}`, details);
}

interface Budget {
  limit: number | null;
  remaining: number | null;
  reset: number | null;
}

/**
 * When the next request may go, given the budgets the last answer reported: Linear refills its leaky
 * buckets evenly until `reset` (the bucket is full then), so the wait for `need` points is the
 * deficit's share of the time left. Null when nothing needs waiting for (or nothing is known).
 */
export function paceUntil(b: Budget, need: number, now: number): number | null {
  if (b.remaining === null || b.limit === null || b.reset === null || need <= 0) return null;
  if (b.remaining >= need || b.reset <= now) return null;
  const missing = Math.min(need, b.limit) - b.remaining;
  const refillable = b.limit - b.remaining;
  if (refillable <= 0) return null;
  return now + Math.ceil(((b.reset - now) * missing) / refillable);
}

export interface LinearGraphqlOptions {
  fetch: FetchLike;
  apiBase: string;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * @example
 * const gql = new LinearGraphql({ fetch, apiBase: "https://api.linear.app" });
 * const data = await gql.query(auth, DISCOVERY, {}, DiscoverySchema, "discovery");
 */
export class LinearGraphql {
  readonly http: HttpClient;
  /** The last response body, so a 4xx's GraphQL errors can be mapped after HttpClient threw. */
  private lastText = "";
  /** Both budgets as the last answer reported them, and the last query's complexity (`x-complexity`). */
  private budgets: { requests: Budget; complexity: Budget; lastCost: number } = {
    requests: { limit: null, remaining: null, reset: null },
    complexity: { limit: null, remaining: null, reset: null },
    lastCost: 0,
  };

  constructor(private readonly opts: LinearGraphqlOptions) {
    const reader: RateLimitReader = (res, now) => {
      this.lastText = res.text;
      const h = res.headers;
      if (h.get("x-ratelimit-requests-limit") !== null)
        this.budgets.requests = {
          limit: num(h, "x-ratelimit-requests-limit"),
          remaining: num(h, "x-ratelimit-requests-remaining"),
          reset: epochMs(num(h, "x-ratelimit-requests-reset")),
        };
      if (h.get("x-ratelimit-complexity-limit") !== null)
        this.budgets.complexity = {
          limit: num(h, "x-ratelimit-complexity-limit"),
          remaining: num(h, "x-ratelimit-complexity-remaining"),
          reset: epochMs(num(h, "x-ratelimit-complexity-reset")),
        };
      const cost = num(h, "x-complexity");
      if (cost !== null && cost > 0) this.budgets.lastCost = cost;
      return readLinearRateLimit(res, now);
    };
    this.http = new HttpClient({
      fetch: opts.fetch,
      tracker: TRACKER,
      timeoutMs: opts.timeoutMs,
      now: opts.now,
      readRateLimit: reader,
      userAgent: "backlog-auditor",
    });
  }

  rateLimit(): RateLimitState {
    return this.http.rateLimit();
  }

  /**
   * Pacing by the rate-limit headers: when the last answer left fewer requests than one, or less
   * complexity than the last query cost, the next request is not sent (it would only be refused):
   * `rate-limited` with the time the bucket will have refilled enough, which the pipeline waits out.
   * (`x-complexity`, the cost of a query, is what the simulator sends; if Linear omits it only the
   * request budget paces, and a refusal is still mapped to rate-limited.)
   */
  private pace(): void {
    const now = (this.opts.now ?? Date.now)();
    const byRequests = paceUntil(this.budgets.requests, 1, now);
    const byComplexity = paceUntil(this.budgets.complexity, this.budgets.lastCost, now);
    const until = Math.max(byRequests ?? 0, byComplexity ?? 0);
    if (!until) return;
    const reason = (byComplexity ?? 0) >= (byRequests ?? 0) ? "complexity" : "requests";
    throw new ConnectorError("rate-limited", `linear: pacing, the ${reason} budget is too low for the next request`, {
      tracker: TRACKER,
      retryAt: until,
      reason,
    });
  }

  /** Send one document; throw ConnectorError on transport or GraphQL errors; parse `data` with `schema`. */
  async query<T>(auth: Auth, document: string, variables: Record<string, unknown>, schema: z.ZodType<T>, what: string): Promise<T> {
    this.pace();
    let text: string;
    let status: number;
    try {
      const res = await this.http.request({
        method: "POST",
        url: `${this.opts.apiBase}/graphql`,
        headers: { authorization: `Bearer ${auth.accessToken}` },
        body: { query: document, variables },
      });
      text = res.text;
      status = res.status;
    } catch (e) {
      if (e instanceof ConnectorError && e.code !== "rate-limited" && e.details.status && e.details.status < 500) {
        const errors = errorsOf(this.lastText);
        if (errors.length) throw errorFromGraphql(errors, e.details.status, (this.opts.now ?? Date.now)());
      }
      throw e;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ConnectorError("invalid-response", `linear ${what}: body is not JSON`, { tracker: TRACKER, status });
    }
    const env = parseOrThrow(GraphqlEnvelopeSchema, body, TRACKER, what);
    if (env.errors?.length) throw errorFromGraphql(env.errors, status, (this.opts.now ?? Date.now)());
    return parseOrThrow(schema, env.data, TRACKER, what);
  }
}
