/**
 * The scheduled trigger: an incremental re-sync of every active connection,
 * and a periodic audit snapshot per workspace so history accrues without visits.
 */
import type { Env } from "../env";
import { createLogger } from "../log";
import type { Job } from "./jobs";

export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<{ enqueued: number }> {
  const log = createLogger({ cron: controller.cron }, (env.LOG_LEVEL as "info") ?? "info");
  const jobs: Job[] = [];
  const { results: connections } = await env.DB.prepare("SELECT id FROM connections WHERE status IN ('active', 'rate_limited', 'error')").all<{ id: string }>();
  for (const c of connections) jobs.push({ type: "sync-start", connectionId: c.id, reason: "cron" });
  const { results: workspaces } = await env.DB.prepare("SELECT id FROM workspaces").all<{ id: string }>();
  for (const w of workspaces) jobs.push({ type: "audit", workspaceId: w.id, trigger: "cron" });
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < jobs.length; i += 100) await env.SYNC_QUEUE.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body })));
  log.info("scheduled work enqueued", { connections: connections.length, workspaces: workspaces.length });
  return { enqueued: jobs.length };
}
