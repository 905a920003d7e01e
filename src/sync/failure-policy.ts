/**
 * The one place a failed job's error becomes a decision: stop the connection (the tracker refused
 * the grant, no retry), wait out a rate limit, or retry with backoff. The consumer settles
 * messages with it; handlers that stop a connection or checkpoint a rate-limited page ask it too.
 */
import { isConnectorError } from "../../connectors/errors";

/** Queues accept delays up to 12 h. */
export const MAX_DELAY_S = 12 * 60 * 60;
/** How long to wait when a rate-limited answer names no reset time. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export type FailureDecision =
  /** auth (revoked token) or forbidden (uninstalled app, missing permission): stop, record, never retry. */
  | { kind: "stop"; code: "auth" | "forbidden"; reason: string }
  /** rate-limited: wait until the tracker's reset time (`retryAt`, epoch ms), `delaySeconds` from now. */
  | { kind: "delay"; retryAt: number; delaySeconds: number }
  /** Anything else (upstream, invalid response, D1): exponential backoff with jitter. */
  | { kind: "retry"; delaySeconds: number };

/** Exponential backoff with full jitter, in seconds. */
export function backoffSeconds(attempts: number, random = Math.random): number {
  const cap = Math.min(300, 2 ** Math.min(attempts, 8) * 2);
  return Math.max(1, Math.round(cap / 2 + random() * (cap / 2)));
}

/**
 * What to do with a failed job.
 *
 * @example
 * decideFailure(new ConnectorError("rate-limited", "slow down", { retryAt: now + 30_000 }), 1, now); // { kind: "delay", delaySeconds: 30, … }
 */
export function decideFailure(e: unknown, attempts: number, now: number): FailureDecision {
  if (isConnectorError(e)) {
    if (e.code === "auth" || e.code === "forbidden") return { kind: "stop", code: e.code, reason: `${e.code}: ${e.message}` };
    if (e.code === "rate-limited") {
      const retryAt = e.details.retryAt ?? now + DEFAULT_RATE_LIMIT_WAIT_MS;
      return { kind: "delay", retryAt, delaySeconds: Math.min(MAX_DELAY_S, Math.max(1, Math.ceil((retryAt - now) / 1000))) };
    }
  }
  return { kind: "retry", delaySeconds: backoffSeconds(attempts) };
}
