/**
 * Local-demo routes, mounted by `createApp` only when DEMO_MODE=1 (never set in production);
 * without it `/dev/*` is an unknown path (404 `not_found`):
 * `POST /dev/demo/seed` creates the demo workspace once and returns its id;
 * `POST /dev/demo/history` backfills its audit history (see services/demo.ts)
 * and runs a fresh audit on top.
 * `GET /dev/stats?workspaceId=` and `GET /dev/bench/issues?workspaceId=&limit=`
 * are counting reads for the service benchmarks (bench/service.mjs);
 * `POST /dev/bench/writes?rows=&batch=` times D1 writes from inside the Worker (bench/worker-capacity.mjs).
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { getLatestAuditHead, listAuditHistory } from "../db/audits";
import { benchIssueSample, benchStats, benchWrites } from "../db/stats";
import { createWorkspace, findDemoWorkspace } from "../db/workspaces";
import { AppError } from "../errors";
import { runWorkspaceAudit } from "../services/audit";
import { classifyPending } from "../services/classify";
import { backfillDemoHistory } from "../services/demo";

export const devRoutes = new Hono<AppEnv>()
  .post("/dev/demo/seed", async (c) => {
    const existing = await findDemoWorkspace(c.env.DB);
    const ws = existing ?? (await createWorkspace(c.env.DB, { name: "Acme (demo)", isDemo: true }));
    return c.json({ workspaceId: ws.id, created: !existing });
  })
  .post("/dev/demo/history", async (c) => {
    const ws = await findDemoWorkspace(c.env.DB);
    if (!ws) throw new AppError("not_found", "No demo workspace: POST /dev/demo/seed first");
    const now = new Date(c.get("deps").now());
    for (let i = 0; i < 100; i++) if (!(await classifyPending(c.env.DB, ws.id, { now })).more) break;
    const past = await listAuditHistory(c.env.DB, ws.id, { limit: 500 });
    const made = past.some((r) => r.trigger === "demo") ? 0 : await backfillDemoHistory(c.env.DB, ws.id, { now, points: 8, everyDays: 7 });
    await runWorkspaceAudit(c.env.DB, ws.id, { trigger: "demo", now });
    const latest = await getLatestAuditHead(c.env.DB, ws.id);
    return c.json({ workspaceId: ws.id, backfilled: made, latestAuditId: latest?.id ?? null });
  })
  .get("/dev/stats", async (c) => c.json(await benchStats(c.env.DB, c.req.query("workspaceId") ?? null)))
  .post("/dev/bench/writes", async (c) => {
    const int = (v: string | undefined, lo: number, hi: number, d: number) => Math.min(hi, Math.max(lo, Math.floor(Number(v ?? d)) || d));
    return c.json(await benchWrites(c.env.DB, { rows: int(c.req.query("rows"), 1, 20_000, 1000), batch: int(c.req.query("batch"), 1, 100, 1) }));
  })
  .get("/dev/bench/issues", async (c) => {
    const workspaceId = c.req.query("workspaceId");
    if (!workspaceId) throw new AppError("bad_request", "workspaceId is required");
    return c.json({ items: await benchIssueSample(c.env.DB, workspaceId, Number(c.req.query("limit") ?? 100) || 100) });
  });
