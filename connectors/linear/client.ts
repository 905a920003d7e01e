/**
 * GraphQL through `@linear/sdk`'s `LinearGraphQLClient.rawRequest`, with the
 * connector's own documents (`queries.ts`). The SDK's transport is
 * `HttpClient` (`fetchWith`): counting, timeout, the rate-limit headers and
 * the status → `ConnectorError` mapping; the SDK reads `globalThis.fetch`, so
 * each call hands it the injected fetch through `callWithFetch`
 * (`sdk-transport.ts`). Linear's 4xx answers that carry GraphQL errors pass
 * through to the SDK, whose `parseLinearError` types them (`LinearError`,
 * `LinearErrorType`); `fromLinearError` maps those to `ConnectorError`, in one
 * place. The SDK has no retries; retries stay in the pipeline.
 */
import { LinearError, LinearErrorType, LinearGraphQLClient } from "@linear/sdk";
import { ConnectorError, isConnectorError } from "../errors";
import { HttpClient, parseOrThrow, parseRetryAfter, type RateLimitReader } from "../http";
import type { Auth, FetchLike, RateLimitState } from "../types";
import { callWithFetch } from "./sdk-transport";
import { GraphqlEnvelopeSchema, GraphqlErrorSchema, type GraphqlError } from "./schema";
import { z } from "zod";

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

const RawErrorsSchema = z
  .object({
    response: z
      .object({ errors: z.array(GraphqlErrorSchema).optional() })
      .loose()
      .optional(),
  })
  .loose();

/**
 * The one mapping from Linear's errors to `ConnectorError`: the SDK's typed `LinearError`
 * (`LinearErrorType`, from `extensions.type` through its `errorMap`, else from the HTTP status), with
 * the first raw error's `extensions.code` for what the type does not tell (an entity not found
 * arrives as `invalid input`; an error with a code and no type is `Unknown` to the SDK).
 * FeatureNotAccessible / Forbidden → forbidden, AuthenticationError → auth, UsageLimitExceeded →
 * rate-limited (retry in an hour), Ratelimited → rate-limited (at the bucket's reset), InvalidInput →
 * invalid-request, InternalError / LockTimeout / NetworkError → upstream, anything else →
 * invalid-response. `reason` is the wire `extensions.type` when there is one, else the code.
 */
export function fromLinearError(e: LinearError, now = Date.now()): ConnectorError {
  const parsed = RawErrorsSchema.safeParse(e.raw);
  const raw: GraphqlError | undefined = parsed.success ? parsed.data.response?.errors?.[0] : undefined;
  const code = raw?.extensions?.code ?? "";
  const wireType = raw?.extensions?.type ?? "";
  const message = e.errors?.[0]?.message ?? raw?.message ?? e.message;
  const status = e.status ?? undefined;
  const details = { tracker: TRACKER, status, reason: wireType || code || undefined };
  const fail = (c: ConnectorError["code"], extra: { retryAt?: number } = {}) => new ConnectorError(c, `linear: ${message}`, { ...details, ...extra });
  const T = LinearErrorType;
  const t = e.type;
  if (t === T.AuthenticationError || code === "AUTHENTICATION_ERROR") return fail("auth");
  if (t === T.Forbidden || t === T.FeatureNotAccessible || code === "FORBIDDEN" || code === "FEATURE_NOT_ACCESSIBLE") return fail("forbidden");
  // "Entity not found" arrives as an `invalid input` error: it is checked first.
  if (/not found/i.test(raw?.message ?? "") || code === "ENTITY_NOT_FOUND") return fail("not-found");
  if (t === T.UsageLimitExceeded || code === "USAGE_LIMIT_EXCEEDED") return fail("rate-limited", { retryAt: now + USAGE_LIMIT_RETRY_MS });
  if (t === T.Ratelimited || code === "RATELIMITED") {
    // Normally HttpClient's reader stops these first (with the bucket's reset); this is the fallback.
    const r = e as LinearError & { requestsRemaining?: number; requestsResetAt?: number; complexityResetAt?: number; retryAfter?: number };
    const reset = r.requestsRemaining === 0 ? r.requestsResetAt : (r.complexityResetAt ?? r.requestsResetAt);
    const retryAt = epochMs(reset ?? null) ?? (r.retryAfter !== undefined ? now + r.retryAfter * 1000 : now + 60_000);
    return fail("rate-limited", { retryAt });
  }
  if (t === T.InvalidInput || code === "INVALID_INPUT" || code === "QUERY_TOO_COMPLEX") return fail("invalid-request");
  if (t === T.InternalError || t === T.LockTimeout || t === T.NetworkError || code === "INTERNAL_ERROR") return fail("upstream");
  return fail("invalid-response");
}

/** Whether a non-2xx answer carries GraphQL errors: those go to the SDK, which types them. */
const hasGraphqlErrors = (res: { text: string }) => errorsOf(res.text).length > 0;

interface Budget {
  limit: number | null;
  remaining: number | null;
  reset: number | null;
  /** When the answer that reported it arrived (absent: now). */
  at?: number;
}

/**
 * When the next request may go, given the budgets the last answer reported: Linear refills its leaky
 * buckets evenly until `reset` (the bucket is full then), so the level now is what was left plus the
 * refill since that answer, and the wait for `need` points is the rest of the deficit at that rate.
 * Null when nothing needs waiting for (or nothing is known). Projecting from the answer's time
 * matters after a pause: no new answer has been read, and the bucket has refilled meanwhile.
 */
export function paceUntil(b: Budget, need: number, now: number): number | null {
  if (b.remaining === null || b.limit === null || b.reset === null || need <= 0) return null;
  const at = Math.min(b.at ?? now, now);
  if (b.remaining >= need || b.reset <= now) return null;
  const refillable = b.limit - b.remaining;
  if (refillable <= 0 || b.reset <= at) return null;
  const rate = refillable / (b.reset - at); // points per ms
  const level = Math.min(b.limit, b.remaining + rate * (now - at));
  const target = Math.min(need, b.limit);
  if (level >= target) return null;
  return now + Math.ceil((target - level) / rate);
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
  private readonly sdk: LinearGraphQLClient;
  /** HttpClient as the SDK's fetch: Linear's 4xx GraphQL errors pass through to the SDK. */
  private readonly transport: FetchLike;
  /** Both budgets as the last answer reported them (and when), and the last query's complexity (`x-complexity`). */
  private budgets: { requests: Budget; complexity: Budget; lastCost: number } = {
    requests: { limit: null, remaining: null, reset: null },
    complexity: { limit: null, remaining: null, reset: null },
    lastCost: 0,
  };

  constructor(private readonly opts: LinearGraphqlOptions) {
    const reader: RateLimitReader = (res, now) => {
      const h = res.headers;
      if (h.get("x-ratelimit-requests-limit") !== null)
        this.budgets.requests = {
          limit: num(h, "x-ratelimit-requests-limit"),
          remaining: num(h, "x-ratelimit-requests-remaining"),
          reset: epochMs(num(h, "x-ratelimit-requests-reset")),
          at: now,
        };
      if (h.get("x-ratelimit-complexity-limit") !== null)
        this.budgets.complexity = {
          limit: num(h, "x-ratelimit-complexity-limit"),
          remaining: num(h, "x-ratelimit-complexity-remaining"),
          reset: epochMs(num(h, "x-ratelimit-complexity-reset")),
          at: now,
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
    this.transport = this.http.fetchWith({ passThrough: hasGraphqlErrors });
    this.sdk = new LinearGraphQLClient(`${opts.apiBase}/graphql`);
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

  /** Send one document through the SDK; throw ConnectorError on transport or GraphQL errors; parse `data` with `schema`. */
  async query<T>(auth: Auth, document: string, variables: Record<string, unknown>, schema: z.ZodType<T>, what: string): Promise<T> {
    this.pace();
    let data: unknown;
    try {
      const res = await callWithFetch(this.transport, () =>
        this.sdk.rawRequest<unknown, Record<string, unknown>>(document, variables, { authorization: `Bearer ${auth.accessToken}` }),
      );
      data = res.data;
    } catch (e) {
      if (isConnectorError(e)) throw e;
      if (e instanceof LinearError) throw fromLinearError(e, (this.opts.now ?? Date.now)());
      // The SDK parses the body as JSON (HttpClient labels it so): a body that is not JSON fails there.
      const notJson = e instanceof SyntaxError;
      throw new ConnectorError(
        "invalid-response",
        `linear ${what}: ${notJson ? "body is not JSON" : `client failed: ${e instanceof Error ? e.message : String(e)}`}`,
        {
          tracker: TRACKER,
        },
      );
    }
    return parseOrThrow(schema, data, TRACKER, what);
  }
}
