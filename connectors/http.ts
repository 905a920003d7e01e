/**
 * The thin HTTP layer every connector shares: injected fetch, a timeout,
 * and a mapping from tracker responses to `ConnectorError` codes. Each tracker
 * supplies how it reads its own rate-limit headers.
 */
import type { z } from "zod";
import { ConnectorError, isConnectorError } from "./errors";
import type { FetchLike, RateLimitState } from "./types";

export interface HttpRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** JSON-serialized when an object. */
  body?: unknown;
  timeoutMs?: number;
  /**
   * A non-2xx answer this returns true for is returned instead of thrown (after the rate-limit
   * reading), so an SDK can parse its body itself (Linear's GraphQL errors). 5xx never passes.
   */
  passThrough?: (res: HttpResponse) => boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** How a tracker says "rate limited": returns when to retry (epoch ms), or null if the response is not a rate limit. */
export type RateLimitReader = (
  res: { status: number; headers: Headers; text: string },
  now: number,
) => {
  limited: boolean;
  retryAt: number | null;
  reason?: string;
  state: RateLimitState;
};

export interface HttpClientOptions {
  fetch: FetchLike;
  tracker: string;
  timeoutMs?: number;
  now?: () => number;
  readRateLimit: RateLimitReader;
  userAgent?: string;
}

/** Parses a Retry-After header (seconds or HTTP date) into epoch ms. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs)) return now + Math.max(0, secs) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : at;
}

/**
 * A small client: one `request` that throws `ConnectorError` for known
 * failures and returns the raw text otherwise. Keeps the last rate-limit state.
 */
export class HttpClient {
  private last: RateLimitState = { remaining: null, limit: null, resetAt: null };
  /** Requests sent, for the benchmarks' "requests per 1,000 issues". */
  requestCount = 0;
  constructor(private readonly opts: HttpClientOptions) {}

  rateLimit(): RateLimitState {
    return this.last;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const now = this.opts.now ?? Date.now;
    const headers: Record<string, string> = { accept: "application/json", ...req.headers };
    if (this.opts.userAgent) headers["user-agent"] = this.opts.userAgent;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      headers["content-type"] ??= "application/json";
    }
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? 15_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let res: Response;
    this.requestCount++;
    try {
      res = await this.opts.fetch(req.url, { method: req.method ?? "GET", headers, body, signal: controller.signal });
    } catch (e) {
      const aborted = controller.signal.aborted;
      throw new ConnectorError(
        "upstream",
        aborted ? `${this.opts.tracker} did not answer within ${timeoutMs} ms` : `${this.opts.tracker} request failed: ${(e as Error).message}`,
        { tracker: this.opts.tracker, reason: aborted ? "timeout" : "network" },
      );
    } finally {
      clearTimeout(timer);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new ConnectorError("upstream", `${this.opts.tracker} response body failed: ${(e as Error).message}`, {
        tracker: this.opts.tracker,
      });
    }
    const rl = this.opts.readRateLimit({ status: res.status, headers: res.headers, text }, now());
    this.last = rl.state;
    if (rl.limited) {
      throw new ConnectorError("rate-limited", `${this.opts.tracker} rate limit reached`, {
        tracker: this.opts.tracker,
        status: res.status,
        retryAt: rl.retryAt ?? now() + 60_000,
        reason: rl.reason,
      });
    }
    if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, text };
    if (res.status < 500 && req.passThrough?.({ status: res.status, headers: res.headers, text })) return { status: res.status, headers: res.headers, text };
    const details = { tracker: this.opts.tracker, status: res.status };
    const snippet = text.slice(0, 200);
    // Atlassian answers a call the grant's scopes do not cover with 401 "scope does not match": the token
    // is fine, the grant is too narrow (forbidden, not revoked). Assumption: a revoked token does not say so.
    if (res.status === 401 && /scope does not match/i.test(snippet))
      throw new ConnectorError("forbidden", `${this.opts.tracker} refused the call: the grant lacks a scope it needs (401 scope does not match)`, {
        ...details,
        reason: "scope",
      });
    if (res.status === 401) throw new ConnectorError("auth", `${this.opts.tracker} rejected the token (401)`, details);
    if (res.status === 403) throw new ConnectorError("forbidden", `${this.opts.tracker} refused access (403): ${snippet}`, details);
    if (res.status === 404 || res.status === 410) throw new ConnectorError("not-found", `${this.opts.tracker} has no such resource (${res.status})`, details);
    if (res.status >= 500 || res.status === 408) throw new ConnectorError("upstream", `${this.opts.tracker} failed (${res.status})`, details);
    throw new ConnectorError("invalid-response", `${this.opts.tracker} answered ${res.status}: ${snippet}`, details);
  }

  /**
   * A `fetch` for an SDK's transport (Octokit's `request.fetch`): the same
   * counting, timeout, rate-limit reading and status → `ConnectorError`
   * mapping as `request`, so the SDK only ever sees a 2xx JSON answer and
   * every failure leaves as a `ConnectorError` (the SDK wraps a thrown error
   * in its own; `sdkError` unwraps it). The body is labelled JSON: the SDK
   * parses it once (a body that is not JSON then reaches the caller's zod
   * schema as a string and fails there as `invalid-response`).
   */
  readonly fetch: FetchLike = this.fetchWith();

  /**
   * `fetch` with options: `passThrough` lets the SDK see the non-2xx answers it selects (with their
   * status), e.g. Linear's 4xx GraphQL errors, which `@linear/sdk` parses into typed errors.
   */
  fetchWith(opts: { passThrough?: HttpRequest["passThrough"] } = {}): FetchLike {
    return async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const res = await this.request({
        method: init?.method ?? "GET",
        url,
        headers,
        body: init?.body == null ? undefined : init.body,
        passThrough: opts.passThrough,
      });
      const empty = res.status === 204 || res.status === 205 || res.text === "";
      const out = new Headers(res.headers);
      out.set("content-type", "application/json; charset=utf-8");
      out.delete("content-encoding");
      out.delete("content-length");
      const response = new Response(empty ? null : res.text, { status: res.status, headers: out });
      // A constructed Response has url ""; a real one has the request's (Octokit's paginator reads it).
      Object.defineProperty(response, "url", { value: url });
      return response;
    };
  }

  /** `request` + JSON parse, mapping unparseable bodies to `invalid-response`. */
  async json(req: HttpRequest): Promise<{ status: number; headers: Headers; data: unknown }> {
    const res = await this.request(req);
    if (res.status === 204 || res.text === "") return { status: res.status, headers: res.headers, data: null };
    try {
      return { status: res.status, headers: res.headers, data: JSON.parse(res.text) };
    } catch {
      throw new ConnectorError("invalid-response", `${this.opts.tracker} sent a body that is not JSON`, {
        tracker: this.opts.tracker,
        status: res.status,
      });
    }
  }
}

/**
 * Parse each item of an array on its own (Renovate's LooseArray): one bad item
 * is reported and skipped instead of failing the page.
 */
export function parseLoose<T>(
  schema: z.ZodType<T>,
  items: unknown[],
  refOf: (raw: unknown, index: number) => string | { ref: string; externalId?: string; key?: string },
): { ok: T[]; skipped: Array<{ ref: string; reason: string; externalId?: string; key?: string }> } {
  const ok: T[] = [];
  const skipped: Array<{ ref: string; reason: string; externalId?: string; key?: string }> = [];
  items.forEach((raw, index) => {
    const r = schema.safeParse(raw);
    if (r.success) ok.push(r.data);
    else
      skipped.push({
        ...((ref) => (typeof ref === "string" ? { ref } : ref))(refOf(raw, index)),
        reason: r.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
          .join("; "),
      });
  });
  return { ok, skipped };
}

/**
 * The one way out of an SDK call: a `ConnectorError` thrown by `HttpClient.fetch`
 * comes back wrapped in the SDK's own error (`cause`); anything else the SDK
 * throws is an unexpected answer.
 */
export function sdkError(e: unknown, tracker: string): ConnectorError {
  if (isConnectorError(e)) return e;
  const cause = e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  if (isConnectorError(cause)) return cause;
  return new ConnectorError("invalid-response", `${tracker} client failed: ${e instanceof Error ? e.message : String(e)}`, { tracker });
}

/** Parse a whole response with a schema, mapping failure to `invalid-response`. */
export function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, tracker: string, what: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const why = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
  throw new ConnectorError("invalid-response", `${tracker} ${what} did not match the expected shape: ${why}`, { tracker });
}

/** Constant-time comparison of two strings (hex signatures). */
export function timingSafeEqualString(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  const n = Math.max(ea.length, eb.length);
  for (let i = 0; i < n; i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

/** Hex HMAC-SHA256 through WebCrypto (works in Workers, Node and browsers). */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
