/**
 * Rate limiting for sign-in, webhook and API endpoints.
 *
 * Uses the Workers Rate Limiting binding when the env has it (wrangler.toml
 * `[[ratelimits]]`; miniflare simulates it locally), else an in-isolate
 * fixed-window counter. The fallback is per isolate, so in production it is a
 * best-effort backstop, not a global limit: configure the bindings.
 * Over the limit: 429 `rate_limited` with `retry-after` (seconds).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../errors";
import "./types";
import { nowMs } from "./util";

/** The shape of a `[[ratelimits]]` binding. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface RateLimitOptions {
  /** Names the limit in errors and separates fallback counters. */
  name: string;
  /** Env binding name of a `[[ratelimits]]` binding (e.g. "RL_SIGNIN"); when absent the fallback counts. */
  binding?: string;
  /** Requests per period (the fallback's; the binding's own limit lives in wrangler.toml). */
  limit: number;
  /** Seconds; the binding supports 10 or 60. */
  periodSeconds: 10 | 60;
  /** What to count by. Default: the API token, else the session user, else the client IP. */
  key?: (c: Context<AppEnv>) => string;
}

export function defaultRateKey(c: Context<AppEnv>): string {
  const token = c.get("apiToken");
  if (token) return `tok:${token.id}`;
  const session = c.get("session");
  if (session) return `usr:${session.userId}`;
  return `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`;
}

function isBinding(v: unknown): v is RateLimitBinding {
  return !!v && typeof (v as RateLimitBinding).limit === "function";
}

const MAX_KEYS = 10_000;

/**
 * @example
 * app.use("/signin/*", rateLimit({ name: "signin", binding: "RL_SIGNIN", limit: 20, periodSeconds: 60 }));
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const windows = new Map<string, { start: number; count: number }>();
  const periodMs = opts.periodSeconds * 1000;
  const refuse = (retryAfter: number) =>
    new AppError(
      "rate_limited",
      `Too many requests (${opts.name}): try again in ${retryAfter} s`,
      { limit: opts.name, retryAfter },
      { "retry-after": String(retryAfter) },
    );

  return async (c, next) => {
    const key = `${opts.name}:${(opts.key ?? defaultRateKey)(c)}`;
    const binding = opts.binding ? (c.env as unknown as Record<string, unknown> | undefined)?.[opts.binding] : undefined;
    if (isBinding(binding)) {
      const { success } = await binding.limit({ key });
      if (!success) throw refuse(opts.periodSeconds);
      return next();
    }
    const now = nowMs(c);
    const start = now - (now % periodMs);
    let w = windows.get(key);
    if (!w || w.start !== start) {
      if (windows.size >= MAX_KEYS) for (const [k, v] of windows) if (v.start !== start) windows.delete(k);
      if (windows.size >= MAX_KEYS) windows.clear();
      w = { start, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    if (w.count > opts.limit) throw refuse(Math.max(1, Math.ceil((start + periodMs - now) / 1000)));
    return next();
  };
}
