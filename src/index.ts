/**
 * The Worker entry: the Hono app for HTTP, the queue consumer for sync jobs
 * (and its dead-letter queue), and the cron trigger for scheduled work.
 *
 * Env arrives per request on Workers, so the app is built from it on first use:
 * one per DEMO_MODE value (the `/dev/*` routes exist only in the demo one).
 * The queue handler is wired here with the job handlers; tests build their own.
 */
import { createApp, type App } from "./app";
import { isDemoMode } from "./auth/access";
import { defaultDeps } from "./deps";
import type { Env, QueueJob } from "./env";
import { createQueueHandler } from "./sync/consumer";
import { handleScheduled } from "./sync/cron";
import { batchHandlers, jobHandlers } from "./sync/handlers";

const deps = defaultDeps();

const apps = new Map<boolean, App>();
function appFor(env: Env): App {
  const demoMode = isDemoMode(env);
  let app = apps.get(demoMode);
  if (!app) apps.set(demoMode, (app = createApp({ ...deps, demoMode })));
  return app;
}

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => appFor(env).fetch(request, env, ctx),
  queue: createQueueHandler({ deps, handlers: jobHandlers, batchHandlers }),
  scheduled: async (controller, env, ctx) => {
    await handleScheduled(controller, env, ctx);
  },
} satisfies ExportedHandler<Env, QueueJob>;
