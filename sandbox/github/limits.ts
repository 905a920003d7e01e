/**
 * GitHub's rate limits as the sandbox enforces them: a primary budget per
 * token owner (installation or user) per window, reported in
 * `x-ratelimit-*` headers on every API response and answered with 403 (or
 * 429) once spent; and, when enabled, the secondary limit on content
 * creation (80 writes per minute) answered with 403 + `retry-after`.
 */
export interface LimitConfig {
  primary: { limit: number; windowSec: number; status: 403 | 429 };
  secondary: { enabled: boolean; writesPerMinute: number; sendRetryAfter: boolean; retryAfterSec: number };
}

export const DEFAULT_LIMITS: LimitConfig = {
  primary: { limit: 5000, windowSec: 3600, status: 403 },
  secondary: { enabled: false, writesPerMinute: 80, sendRetryAfter: true, retryAfterSec: 60 },
};

interface Bucket {
  used: number;
  resetSec: number;
  writes: number[];
}

export class RateLimiter {
  config: LimitConfig = structuredClone(DEFAULT_LIMITS);
  private buckets = new Map<string, Bucket>();

  constructor(private readonly nowMs: () => number) {}

  reset(): void {
    this.buckets.clear();
  }

  private bucket(owner: string): Bucket {
    const nowSec = Math.floor(this.nowMs() / 1000);
    let b = this.buckets.get(owner);
    if (!b || b.resetSec <= nowSec) {
      b = { used: 0, resetSec: nowSec + this.config.primary.windowSec, writes: b?.writes ?? [] };
      this.buckets.set(owner, b);
    }
    return b;
  }

  /** Spend budget without a request (tests: "the budget is almost gone"). */
  spend(owner: string, n: number): void {
    this.bucket(owner).used += n;
  }

  headers(owner: string): Record<string, string> {
    const b = this.bucket(owner);
    const limit = this.config.primary.limit;
    return {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - b.used)),
      "x-ratelimit-used": String(Math.min(limit, b.used)),
      "x-ratelimit-reset": String(b.resetSec),
      "x-ratelimit-resource": "core",
    };
  }

  /** Count one request; say whether it is refused and why. */
  take(owner: string, isWrite: boolean): { refused: null | "primary" | "secondary"; headers: Record<string, string> } {
    const b = this.bucket(owner);
    if (b.used >= this.config.primary.limit) return { refused: "primary", headers: this.headers(owner) };
    if (isWrite && this.config.secondary.enabled) {
      const now = this.nowMs();
      b.writes = b.writes.filter((t) => t > now - 60_000);
      if (b.writes.length >= this.config.secondary.writesPerMinute) {
        const headers = this.headers(owner);
        if (this.config.secondary.sendRetryAfter) headers["retry-after"] = String(this.config.secondary.retryAfterSec);
        return { refused: "secondary", headers };
      }
      b.writes.push(now);
    }
    b.used++;
    return { refused: null, headers: this.headers(owner) };
  }
}
