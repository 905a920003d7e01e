/**
 * Workspace access. Routes with `:workspaceId` mount `requireWorkspace(role)`.
 *
 * Rules, in order:
 * 1. DEMO_MODE=1 only (never set in production): the demo workspace
 *    (`workspaces.is_demo = 1`) is open to anyone, signed in or not, as admin,
 *    so the local demo works end to end (sync, settings, write-back dry runs).
 * 2. No session and no API token: 401 / sign-in redirect, answered before the
 *    workspace is looked up, so it says nothing about whether it exists.
 * 3. A workspace the caller can't access (unknown, not a member, another
 *    workspace's token) is 404 `not_found`, never 403: no existence leak.
 * 4. A member asking for an admin action is 403 `forbidden` (they know it exists).
 *
 * API tokens: a `write` token acts as admin of its own workspace, a `read`
 * token as member (and `loadApiToken` already refused its non-GETs).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { getMemberRole, getWorkspace, type Workspace } from "../db/workspaces";
import { AppError } from "../errors";
import type { Role } from "./types";
import { unauthenticated } from "./util";

export function isDemoMode(env: { DEMO_MODE?: string } | undefined): boolean {
  return env?.DEMO_MODE === "1";
}

const notFound = () => new AppError("not_found", "No such workspace, or you don't have access to it");

/** The caller's effective role in a workspace, or null when they have no access. */
export async function resolveRole(c: Context<AppEnv>, ws: Workspace): Promise<Role | null> {
  if (ws.isDemo && isDemoMode(c.env)) return "admin";
  const token = c.get("apiToken");
  if (token) return token.workspaceId === ws.id ? (token.scope === "write" ? "admin" : "member") : null;
  const session = c.get("session");
  if (session) return getMemberRole(c.env.DB, ws.id, session.userId);
  return null;
}

/**
 * Mount on routes with a `:workspaceId` param, after the auth middleware.
 * Sets `c.var.workspace` and `c.var.role`.
 *
 * @example
 * app.get("/api/v1/workspaces/:workspaceId/issues", requireWorkspace("member"), handler);
 * app.post("/w/:workspaceId/settings", requireWorkspace("admin"), handler);
 */
export const requireWorkspace =
  (required: Role): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const id = c.req.param("workspaceId");
    const signedIn = !!c.get("session") || !!c.get("apiToken");
    if (!signedIn && !isDemoMode(c.env)) return unauthenticated(c);
    const ws = id && id.length <= 64 ? await getWorkspace(c.env.DB, id) : null;
    if (!ws) {
      if (!signedIn) return unauthenticated(c);
      throw notFound();
    }
    const role = await resolveRole(c, ws);
    if (!role) {
      if (!signedIn) return unauthenticated(c);
      throw notFound();
    }
    if (required === "admin" && role !== "admin") {
      throw new AppError("forbidden", "Only workspace admins can do this");
    }
    c.set("workspace", ws);
    c.set("role", role);
    return next();
  };
