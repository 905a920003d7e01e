/** Small helpers the accounts layer shares: clock, base URL, safe redirects, constant-time compare. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../errors";

/** The injected clock (tests pass their own through `deps`), else the runtime's. */
export function nowMs(c: Context<AppEnv>): number {
  const deps = c.get("deps");
  return deps ? deps.now() : Date.now();
}

/** The public origin: PUBLIC_BASE_URL when set, else the request's own origin. */
export function publicOrigin(c: Context<AppEnv>): string {
  const base = c.env?.PUBLIC_BASE_URL;
  try {
    if (base) return new URL(base).origin;
  } catch {
    // fall through to the request origin
  }
  return new URL(c.req.url).origin;
}

/** Secure cookies and the `__Host-` prefix only when the service is served over https. */
export function isHttps(c: Context<AppEnv>): boolean {
  return publicOrigin(c).startsWith("https:");
}

export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/**
 * A redirect target is accepted only as a same-origin relative path: it starts
 * with one `/`, not `//` or `/\` (protocol-relative), and holds no control characters.
 *
 * @example
 * safeRedirectPath("/w/ws_1?tab=members") // "/w/ws_1?tab=members"
 * safeRedirectPath("//evil.example")      // null
 */
export function safeRedirectPath(value: string | null | undefined): string | null {
  if (!value || value.length > 1000) return null;
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  try {
    const u = new URL(value, "https://base.invalid");
    if (u.origin !== "https://base.invalid") return null;
    return u.pathname + u.search + u.hash;
  } catch {
    return null;
  }
}

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  const n = Math.max(ea.length, eb.length);
  for (let i = 0; i < n; i++) diff |= (ea[i % (ea.length || 1)] ?? 0) ^ (eb[i % (eb.length || 1)] ?? 0);
  return diff === 0;
}

/** 401 for API callers; pages redirect to the sign-in page with `next` set to where they were going. */
export function unauthenticated(c: Context<AppEnv>): Response {
  const url = new URL(c.req.url);
  if (isApiPath(url.pathname) || c.req.method !== "GET") {
    throw new AppError("unauthorized", "Sign in or send an API token (Authorization: Bearer ba_…)");
  }
  const next = safeRedirectPath(url.pathname + url.search) ?? "/";
  return c.redirect(`/signin?next=${encodeURIComponent(next)}`, 302);
}
