/**
 * CSRF defence for cookie-authenticated requests.
 *
 * - A state-changing request (anything but GET/HEAD/OPTIONS) from a session must
 *   carry the session's token as the `_csrf` form field or the `x-csrf-token`
 *   header, compared in constant time.
 * - When the browser sends `Origin` or `Sec-Fetch-Site`, they must say same-origin,
 *   with or without a session (the demo workspace is writable without one).
 * - Exempt: requests authenticated by an API token (a bearer header is never
 *   ambient) and `/webhooks/…` (signed by the tracker).
 * Failure is 403 `csrf_failed`.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../errors";
import "./types";
import { publicOrigin, timingSafeEqual } from "./util";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function crossSite(c: Context<AppEnv>): string | null {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site is ${site}`;
  const origin = c.req.header("origin");
  if (origin) {
    const allowed = new Set([publicOrigin(c), new URL(c.req.url).origin]);
    if (!allowed.has(origin)) return "the Origin is not this site";
  }
  return null;
}

async function submittedToken(c: Context<AppEnv>): Promise<string | null> {
  const header = c.req.header("x-csrf-token");
  if (header) return header;
  const type = c.req.header("content-type") ?? "";
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    // parseBody caches the parsed body on the request, so the route can read it again.
    const body = await c.req.parseBody();
    const v = body["_csrf"];
    return typeof v === "string" ? v : null;
  }
  return null;
}

/**
 * Mount after `loadApiToken()` and `loadSession()`.
 *
 * @example
 * app.use("*", loadApiToken(), loadSession(), csrfProtection());
 */
export const csrfProtection = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (SAFE.has(c.req.method) || c.req.path.startsWith("/webhooks/") || c.get("apiToken")) return next();
  const why = crossSite(c);
  if (why) throw new AppError("csrf_failed", `Cross-site request refused: ${why}`);
  const session = c.get("session");
  if (session) {
    const token = await submittedToken(c);
    if (!token || !timingSafeEqual(token, session.csrfToken)) {
      throw new AppError("csrf_failed", "The form is missing its CSRF token or it does not match your session: reload the page and try again");
    }
  }
  return next();
};
