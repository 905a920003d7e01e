/** `GET /health`: the version and a D1 round trip. 200 when healthy, 503 when the database fails. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { checkDatabase } from "../db/health";

export const healthRoutes = new Hono<AppEnv>().get("/health", async (c) => {
  const db = await checkDatabase(c.env.DB);
  const body = { status: db.ok ? "ok" : "degraded", version: c.env.APP_VERSION, db };
  return c.json(body, db.ok ? 200 : 503);
});
