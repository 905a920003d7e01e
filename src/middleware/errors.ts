/** Maps every failure to the JSON error shape, with no stack trace or secret in the response. */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { isConnectorError } from "../../connectors/errors";
import { ConfigError } from "../env";
import { AppError, errorBody } from "../errors";
import type { AppEnv } from "../app-env";

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get("requestId");
  const log = c.get("log");
  if (err instanceof AppError) {
    if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(errorBody(err.code, err.message, err.details, requestId), err.status);
  }
  if (err instanceof ZodError) {
    return c.json(
      errorBody(
        "validation_failed",
        "The request did not pass validation",
        err.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        requestId,
      ),
      400,
    );
  }
  if (err instanceof ConfigError) {
    log?.error("configuration invalid", { problems: err.problems.map((p) => p.name) });
    return c.json(errorBody("config_invalid", err.message, { settings: err.problems.map((p) => p.name) }, requestId), 500);
  }
  if (isConnectorError(err)) {
    const e = err as import("../../connectors/errors").ConnectorError;
    if (e.code === "rate-limited") {
      const retryAfter = e.details.retryAt ? Math.max(1, Math.ceil((e.details.retryAt - Date.now()) / 1000)) : 60;
      c.header("retry-after", String(retryAfter));
      return c.json(errorBody("upstream_rate_limited", e.message, { tracker: e.details.tracker, retryAfter }, requestId), 503);
    }
    return c.json(errorBody("upstream_error", e.message, { tracker: e.details.tracker, code: e.code }, requestId), 502);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 400 && /malformed json/i.test(err.message)) {
      return c.json(errorBody("invalid_json", "The body is not valid JSON", undefined, requestId), 400);
    }
    const code =
      status === 413 ? "payload_too_large" : status === 404 ? "not_found" : status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "bad_request";
    return c.json(
      errorBody(code, err.message || code.replace(/_/g, " "), undefined, requestId),
      status === 413 || status === 404 || status === 401 || status === 403 ? status : 400,
    );
  }
  log?.error("unhandled error", { error: err instanceof Error ? { name: err.name, message: err.message } : String(err) });
  return c.json(errorBody("internal_error", "Something went wrong on our side. Quote the request id when reporting it.", undefined, requestId), 500);
};

export const notFound: NotFoundHandler<AppEnv> = (c: Context<AppEnv>) =>
  c.json(errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`, undefined, c.get("requestId")), 404);
