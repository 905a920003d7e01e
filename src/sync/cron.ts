/**
 * The scheduled trigger: an incremental re-sync of every active connection,
 * and a periodic audit snapshot per workspace so history accrues without visits.
 */
import type { Env } from "../env";
import { createLogger } from "../log";
import { listConnectionIdsToResync } from "../db/connections";
import { webhooksExpiringBefore } from "../db/webhook-registrations";
import { pruneDeliveries } from "../db/webhooks";
import { capacityState } from "../services/capacity";
import { listWorkspaceIds } from "../db/workspaces";
import type { Job } from "./jobs";

/** Refresh dynamic webhooks this long before they expire (Jira's live 30 days). */
export const WEBHOOK_REFRESH_AHEAD_MS = 7 * 86_400_000;

export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<{ enqueued: number }> {
  const log = createLogger({ cron: controller.cron }, (env.LOG_LEVEL as "info") ?? "info");
  const jobs: Job[] = [];
  const connections = await listConnectionIdsToResync(env.DB);
  for (const connectionId of connections) jobs.push({ type: "sync-start", connectionId, reason: "cron" });
  const workspaces = await listWorkspaceIds(env.DB);
  for (const workspaceId of workspaces) jobs.push({ type: "audit", workspaceId, trigger: "cron" });
  const now = controller.scheduledTime;
  for (const [connectionId, ids] of await webhooksExpiringBefore(env.DB, new Date(now + WEBHOOK_REFRESH_AHEAD_MS))) {
    jobs.push({ type: "refresh-webhooks", connectionId, webhookIds: ids.slice(0, 100) });
  }
  const capacity = await capacityState(env);
  if (capacity.level !== "ok")
    log.warn("database near capacity", {
      bytes: capacity.bytes,
      alertBytes: capacity.marks.alertBytes,
      refuseBytes: capacity.marks.refuseBytes,
      refusingNewWorkspaces: capacity.level === "full",
    });
  // Trackers stop redelivering within hours; keep a week of delivery ids for de-duplication.
  await pruneDeliveries(env.DB, new Date(now - 7 * 86_400_000));
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < jobs.length; i += 100) await env.SYNC_QUEUE.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body })));
  log.info("scheduled work enqueued", { connections: connections.length, workspaces: workspaces.length });
  return { enqueued: jobs.length };
}
