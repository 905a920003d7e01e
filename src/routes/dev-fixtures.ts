/**
 * DEMO_MODE-only test fixture: store one issue in the demo workspace as if it had
 * been synced from its first connection (browser tests use it to put hostile text
 * into a report). Never mounted behaviour in production: DEMO_MODE is unset there.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { IssueSchema } from "../core/types";
import { listConnections } from "../db/connections";
import { upsertIssues } from "../db/issues";
import { findDemoWorkspace } from "../db/workspaces";
import { AppError } from "../errors";
import { readJson } from "../middleware/request";

export const devFixtureRoutes = new Hono<AppEnv>()
  .use("/dev/fixtures/*", async (c, next) => {
    if (c.env.DEMO_MODE !== "1") throw new AppError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    await next();
  })
  .post("/dev/fixtures/issue", async (c) => {
    const issue = await readJson(c, IssueSchema);
    const ws = await findDemoWorkspace(c.env.DB);
    const conn = ws ? (await listConnections(c.env.DB, ws.id)).find((x) => x.tracker === issue.tracker) : null;
    if (!ws || !conn) throw new AppError("not_found", `The demo workspace has no ${issue.tracker} connection`);
    const scopeId = conn.syncScopes[0]?.id ?? "fixture";
    const r = await upsertIssues(c.env.DB, { workspaceId: ws.id, connectionId: conn.id, scopeId, issues: [issue], now: new Date(c.get("deps").now()) });
    return c.json({ workspaceId: ws.id, changed: r.changed }, 201);
  });
