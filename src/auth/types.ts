/**
 * What the accounts layer puts on the Hono context. Declared through Hono's
 * `ContextVariableMap`, so `c.get("session")` is typed on every app without
 * touching `src/app-env.ts`.
 */
import type { Tracker } from "../../domain/types";
import type { Workspace } from "../db/workspaces";

export type Role = "admin" | "member";
export type TokenScope = "read" | "write";

/** The signed-in browser session. `id` is the SHA-256 of the cookie secret (never the secret itself). */
export interface SessionInfo {
  id: string;
  userId: string;
  csrfToken: string;
  expiresAt: string;
  user: { id: string; tracker: Tracker; login: string; name: string | null };
}

/** An API token that authenticated this request (`Authorization: Bearer ba_…`). */
export interface ApiTokenInfo {
  id: string;
  workspaceId: string;
  name: string;
  scope: TokenScope;
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `loadSession()`; null when there is no valid session (or the request used an API token). */
    session: SessionInfo | null;
    /** Set by `loadApiToken()`; null when the request carries no bearer token. */
    apiToken: ApiTokenInfo | null;
    /** Set by `requireWorkspace()`. */
    workspace: Workspace;
    /** Set by `requireWorkspace()`: the caller's effective role in `workspace`. */
    role: Role;
  }
}
