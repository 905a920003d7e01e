/**
 * The queue consumer. Each message is validated, dispatched to its handler,
 * and then acked, retried with backoff and jitter, or delayed until a
 * tracker's rate limit resets (`decideFailure`). Messages that exhaust their
 * retries reach the dead-letter queue, whose consumer records why.
 * `createQueueHandler(deps)` is built in src/index.ts with the handlers; tests build their own.
 */
import { getConnectionWorkspaceId, transitionConnectionStatus } from "../db/connections";
import { recordSyncFailure } from "../db/failures";
import { markDelivery } from "../db/webhooks";
import type { Deps } from "../deps";
import type { Env, QueueJob } from "../env";
import { createLogger, type Logger } from "../log";
import { decideFailure } from "./failure-policy";
import { JobSchema, type Job } from "./jobs";

export const DLQ_NAME = "backlog-sync-dlq";

export interface JobContext {
  env: Env;
  deps: Deps;
  log: Logger;
  ctx: ExecutionContext;
  /** Attempts so far for this message (1 on first delivery). */
  attempts: number;
}

export type JobHandlers = { [K in Job["type"]]?: (job: Extract<Job, { type: K }>, c: JobContext) => Promise<void> };

/**
 * Handlers that take every message of one type in a batch at once (webhook bursts are applied
 * together). Each returns, per job, the error to retry that job with, or null when it is done.
 */
export interface BatchHandlers {
  webhook?: (jobs: Array<Extract<Job, { type: "webhook" }>>, c: JobContext) => Promise<Array<unknown | null>>;
}

export interface QueueHandlerDeps {
  deps: Deps;
  handlers: JobHandlers;
  batchHandlers?: BatchHandlers;
}

/**
 * The Worker's `queue` handler, wired with its job handlers.
 *
 * @example
 * const queue = createQueueHandler({ deps: defaultDeps(), handlers: jobHandlers, batchHandlers });
 * export default { fetch, queue, scheduled } satisfies ExportedHandler<Env, QueueJob>;
 */
export function createQueueHandler(wiring: QueueHandlerDeps): (batch: MessageBatch<QueueJob>, env: Env, ctx: ExecutionContext) => Promise<void> {
  return (batch, env, ctx) => handleQueueBatch(batch, env, ctx, wiring);
}

async function handleQueueBatch(batch: MessageBatch<QueueJob>, env: Env, ctx: ExecutionContext, wiring: QueueHandlerDeps): Promise<void> {
  const { deps, handlers } = wiring;
  const batchHandlers = wiring.batchHandlers ?? {};
  const log = createLogger({ queue: batch.queue }, (env.LOG_LEVEL as "info") ?? "info");
  if (batch.queue === DLQ_NAME || batch.queue.endsWith("-dlq")) {
    for (const msg of batch.messages) {
      const body = msg.body as Partial<Job> & Record<string, unknown>;
      await recordSyncFailure(env.DB, {
        connectionId: typeof body?.connectionId === "string" ? body.connectionId : null,
        workspaceId:
          typeof body?.workspaceId === "string"
            ? body.workspaceId
            : typeof body?.connectionId === "string"
              ? await getConnectionWorkspaceId(env.DB, body.connectionId)
              : null,
        message: body,
        reason: `exhausted retries after ${msg.attempts} attempt(s)`,
      });
      if (body?.type === "webhook" && typeof body.tracker === "string" && typeof body.deliveryId === "string") {
        // The delivery was accepted; record that it could not be applied (nothing stays "queued" forever).
        await markDelivery(env.DB, body.tracker as "github", body.deliveryId, "failed", new Date(deps.now()));
      }
      if (typeof body?.connectionId === "string") {
        await transitionConnectionStatus(
          env.DB,
          body.connectionId,
          "error",
          `A ${String(body.type)} job failed repeatedly and was set aside; see sync failures.`,
          new Date(deps.now()),
        );
      }
      msg.ack();
    }
    return;
  }
  const grouped: Array<{ msg: Message<QueueJob>; job: Extract<Job, { type: "webhook" }> }> = [];
  for (const msg of batch.messages) {
    const parsed = JobSchema.safeParse(msg.body);
    if (!parsed.success) {
      log.warn("poison message", { id: msg.id, issues: parsed.error.issues.slice(0, 3).map((i) => i.message) });
      await recordSyncFailure(env.DB, { message: msg.body, reason: `malformed job: ${parsed.error.issues[0]?.message ?? "invalid"}` });
      msg.ack();
      continue;
    }
    const job = parsed.data;
    if (job.type === "webhook" && batchHandlers.webhook) {
      grouped.push({ msg, job });
      continue;
    }
    const handler = handlers[job.type] as ((j: Job, c: JobContext) => Promise<void>) | undefined;
    if (!handler) {
      await recordSyncFailure(env.DB, { message: job, reason: `no handler for job type ${job.type}` });
      msg.ack();
      continue;
    }
    try {
      await handler(job, { env, deps, log: log.child({ job: job.type, msgId: msg.id }), ctx, attempts: msg.attempts });
      msg.ack();
    } catch (e) {
      await settleFailure(env, deps, log, msg, job, e);
    }
  }
  if (grouped.length && batchHandlers.webhook) {
    const attempts = Math.max(...grouped.map((g) => g.msg.attempts));
    let errors: Array<unknown | null>;
    try {
      errors = await batchHandlers.webhook(
        grouped.map((g) => g.job),
        { env, deps, log: log.child({ job: "webhook", batch: grouped.length }), ctx, attempts },
      );
    } catch (e) {
      errors = grouped.map(() => e);
    }
    for (let i = 0; i < grouped.length; i++) {
      const { msg, job } = grouped[i]!;
      const e = errors[i];
      if (e === null || e === undefined) msg.ack();
      else await settleFailure(env, deps, log, msg, job, e);
    }
  }
}

/** A failed job: dropped (and recorded) on auth errors, else retried with backoff or after a rate limit. */
async function settleFailure(env: Env, deps: Deps, log: Logger, msg: Message<QueueJob>, job: Job, e: unknown): Promise<void> {
  const decision = decideFailure(e, msg.attempts, deps.now());
  log.warn("job failed", { job: job.type, attempts: msg.attempts, error: e instanceof Error ? e.message : String(e), decision });
  if (decision.kind === "stop") {
    await recordSyncFailure(env.DB, {
      message: job,
      reason: decision.reason,
      connectionId: "connectionId" in job ? job.connectionId : null,
      workspaceId: "workspaceId" in job ? job.workspaceId : null,
    });
    msg.ack();
  } else msg.retry({ delaySeconds: decision.delaySeconds });
}
