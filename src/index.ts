/**
 * The Worker entry: the Hono app for HTTP, the queue consumer for sync jobs
 * (and its dead-letter queue), and the cron trigger for scheduled work.
 */
import { createApp } from "./app";
import type { Env, QueueJob } from "./env";
import { handleQueueBatch, registerHandlers } from "./sync/consumer";
import { handleScheduled } from "./sync/cron";
import { batchHandlers, jobHandlers } from "./sync/handlers";

registerHandlers(jobHandlers, batchHandlers);
const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueueBatch(batch, env, ctx),
  scheduled: async (controller, env, ctx) => {
    await handleScheduled(controller, env, ctx);
  },
} satisfies ExportedHandler<Env, QueueJob>;
