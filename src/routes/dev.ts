/**
 * Local-demo routes, mounted only when DEMO_MODE=1 (never in production):
 * `POST /dev/demo/seed` creates the demo workspace once and returns its id.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { createWorkspace, findDemoWorkspace } from "../db/workspaces";
import { AppError } from "../errors";

export const devRoutes = new Hono<AppEnv>()
  .use("*", async (c, next) => {
    if (c.env.DEMO_MODE !== "1") throw new AppError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    await next();
  })
  .post("/dev/demo/seed", async (c) => {
    const existing = await findDemoWorkspace(c.env.DB);
    const ws = existing ?? (await createWorkspace(c.env.DB, { name: "Demo workspace", isDemo: true }));
    return c.json({ workspaceId: ws.id, created: !existing });
  });
