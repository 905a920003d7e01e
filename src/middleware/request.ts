/** Request id, structured request logs, body-size limits and JSON body parsing. */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import type { AppEnv } from "../app-env";
import { AppError, errorBody } from "../errors";
import { createLogger, type LogLevel } from "../log";
import { newId } from "../security/ids";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export const requestContext = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : newId("req");
  const level = (c.env?.LOG_LEVEL as LogLevel | undefined) ?? "info";
  const log = createLogger({ requestId }, ["debug", "info", "warn", "error"].includes(level) ? level : "info");
  c.set("requestId", requestId);
  c.set("log", log);
  const started = Date.now();
  await next();
  c.header("x-request-id", requestId);
  const path = new URL(c.req.url).pathname;
  log.info("request", { method: c.req.method, path, status: c.res.status, ms: Date.now() - started });
};

/** Default limit for API and form bodies. Webhooks and rule packs set their own. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export const limitBody = (maxSize = DEFAULT_BODY_LIMIT): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize,
    onError: (c) => c.json(errorBody("payload_too_large", `The request body is larger than ${maxSize} bytes`, { limit: maxSize }, c.get("requestId")), 413),
  });

/** Reads the body as JSON and validates it: malformed JSON → 400 invalid_json, wrong shape → 400 validation_failed. */
export async function readJson<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError("unsupported_media_type", "Send the body as application/json");
  }
  const text = await c.req.text();
  let data: unknown;
  try {
    data = text === "" ? undefined : JSON.parse(text);
  } catch (e) {
    throw new AppError("invalid_json", `The body is not valid JSON: ${(e as Error).message}`);
  }
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new AppError(
      "validation_failed",
      "The body did not pass validation",
      r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  }
  return r.data;
}
