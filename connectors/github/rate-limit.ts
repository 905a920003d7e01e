/**
 * GitHub's rate limits, read from every response:
 * - primary: `x-ratelimit-{limit,remaining,used,reset,resource}`; once spent,
 *   GitHub answers 403 or 429 with `x-ratelimit-remaining: 0` until `reset`
 *   (epoch seconds);
 * - secondary (concurrency, content creation ~80/min): 403 or 429 with
 *   `retry-after`, or only a "secondary rate limit" message, in which case
 *   GitHub asks to wait at least a minute.
 *
 * @example
 * new HttpClient({ fetch, tracker: "github", readRateLimit: readGithubRateLimit });
 */
import { parseRetryAfter, type RateLimitReader } from "../http";
import type { RateLimitState } from "../types";

const num = (v: string | null): number | null => {
  if (v === null || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** `x-ratelimit-reset` is epoch seconds; tolerate a value already in ms. */
function resetMs(v: string | null): number | null {
  const n = num(v);
  if (n === null) return null;
  return n > 1e12 ? n : n * 1000;
}

export const SECONDARY_MIN_WAIT_MS = 60_000;

export const readGithubRateLimit: RateLimitReader = (res, now) => {
  const h = res.headers;
  const state: RateLimitState = {
    limit: num(h.get("x-ratelimit-limit")),
    remaining: num(h.get("x-ratelimit-remaining")),
    resetAt: resetMs(h.get("x-ratelimit-reset")),
    resource: h.get("x-ratelimit-resource") ?? undefined,
  };
  if (res.status !== 403 && res.status !== 429) return { limited: false, retryAt: null, state };
  const retryAfter = parseRetryAfter(h.get("retry-after"), now);
  if (retryAfter !== null) return { limited: true, retryAt: retryAfter, reason: "secondary", state };
  if (state.remaining === 0) {
    // One second of slack: the window resets at `reset`, not before.
    return { limited: true, retryAt: (state.resetAt ?? now + SECONDARY_MIN_WAIT_MS) + 1000, reason: "primary", state };
  }
  if (/secondary rate limit|abuse detection/i.test(res.text)) {
    return { limited: true, retryAt: now + SECONDARY_MIN_WAIT_MS, reason: "secondary", state };
  }
  if (res.status === 429) return { limited: true, retryAt: now + SECONDARY_MIN_WAIT_MS, reason: "unknown", state };
  return { limited: false, retryAt: null, state };
};
