/**
 * API tokens: `ba_<random>`, scoped to one workspace with `read` or `write`,
 * shown once and stored as SHA-256. `Authorization: Bearer ba_…` authenticates
 * requests under `/api/`; a `read` token can only GET/HEAD.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { findApiTokenByHash, insertApiToken, touchApiToken, type ApiTokenRow } from "../db/accounts";
import { AppError } from "../errors";
import { randomSecret, sha256Hex } from "../security/ids";
import type { TokenScope } from "./types";
import { isApiPath, nowMs } from "./util";

export const API_TOKEN_PREFIX = "ba_";
const TOKEN_SHAPE = /^ba_[A-Za-z0-9_-]{32,64}$/;

/**
 * Mints a token; the plaintext is returned once and never stored.
 *
 * @example
 * const { token, row } = await createApiToken(db, { workspaceId, name: "CI", scope: "read", createdBy: userId, now: Date.now() });
 */
export async function createApiToken(
  db: D1Database,
  p: { workspaceId: string; name: string; scope: TokenScope; createdBy: string | null; now: number },
): Promise<{ token: string; row: ApiTokenRow }> {
  const token = `${API_TOKEN_PREFIX}${randomSecret(32)}`;
  const row = await insertApiToken(db, { ...p, tokenHash: await sha256Hex(token) });
  return { token, row };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Sets `c.var.apiToken` when an `/api/…` request carries `Authorization: Bearer`.
 * A malformed, unknown or revoked token is 401 (never silently ignored); a
 * `read` token on a non-GET is 403. Use is recorded at most once a minute.
 */
export const loadApiToken = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  c.set("apiToken", null);
  const header = c.req.header("authorization");
  if (!header || !isApiPath(c.req.path)) return next();
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m || !TOKEN_SHAPE.test(m[1]!)) {
    throw new AppError("unauthorized", "The Authorization header must be `Bearer ba_…`", undefined, { "www-authenticate": 'Bearer realm="api"' });
  }
  const row = await findApiTokenByHash(c.env.DB, await sha256Hex(m[1]!));
  if (!row) {
    throw new AppError("unauthorized", "The API token is unknown or revoked", undefined, { "www-authenticate": 'Bearer realm="api", error="invalid_token"' });
  }
  if (row.scope === "read" && !SAFE_METHODS.has(c.req.method)) {
    throw new AppError("forbidden", "This API token has the read scope: it can only make GET requests");
  }
  const now = nowMs(c);
  if (!row.lastUsedAt || Date.parse(row.lastUsedAt) < now - 60_000) await touchApiToken(c.env.DB, row.id, now);
  c.set("apiToken", { id: row.id, workspaceId: row.workspaceId, name: row.name, scope: row.scope });
  return next();
};
