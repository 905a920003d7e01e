/**
 * The accounts and security layer. Mount order (after requestContext, deps,
 * securityHeaders and the body limit):
 *
 * @example
 * app.use("*", authenticate());            // API token → session → CSRF
 * app.use("/api/*", rateLimit({ name: "api", binding: "RL_API", limit: 600, periodSeconds: 60 }));
 * app.use("/webhooks/*", rateLimit({ name: "webhooks", binding: "RL_WEBHOOKS", limit: 600, periodSeconds: 60, key: ipKey }));
 * app.route("/", createAuthRoutes({ getConnector }));
 * app.route("/", workspaceRoutes);
 */
import type { MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import type { AppEnv } from "../app-env";
import { loadApiToken } from "./api-token";
import { csrfProtection } from "./csrf";
import { loadSession } from "./session";

export * from "./types";
export { loadSession, requireUser, startSession, endSession, sessionCookieName, SESSION_TTL_MS } from "./session";
export { csrfProtection } from "./csrf";
export { loadApiToken, createApiToken, API_TOKEN_PREFIX } from "./api-token";
export { requireWorkspace, resolveRole, isDemoMode } from "./access";
export { rateLimit, defaultRateKey, type RateLimitOptions, type RateLimitBinding } from "./rate-limit";
export {
  createOAuthState,
  consumeOAuthState,
  pkceChallenge,
  OAUTH_STATE_TTL_MS,
  type ConsumedOAuthState,
  type CreatedOAuthState,
  type OAuthPurpose,
} from "./oauth-state";
export { safeRedirectPath, timingSafeEqual, nowMs, publicOrigin, isApiPath } from "./util";

/** Keys a limiter by client IP only (for webhooks and sign-in, where there is no caller identity yet). */
export const ipKey = (c: import("hono").Context<AppEnv>) => `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`;

/** `loadApiToken()`, `loadSession()` and `csrfProtection()`, in that order. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return every(loadApiToken(), loadSession(), csrfProtection());
}
