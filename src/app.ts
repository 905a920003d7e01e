/**
 * The Hono app: middleware (request id, logs, secure headers, body limits,
 * error shape) and the route groups. Routes never hold SQL: they call
 * `src/db/*` and the pure core.
 */
import { Hono } from "hono";
import type { AppEnv } from "./app-env";
import { defaultDeps, type Deps } from "./deps";
import { notFound, onError } from "./middleware/errors";
import { limitBody, requestContext } from "./middleware/request";
import { securityHeaders } from "./middleware/security";
import { healthRoutes } from "./routes/health";
import { devRoutes } from "./routes/dev";
import { homeRoutes } from "./routes/home";

export function createApp(deps: Deps = defaultDeps()) {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext());
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use("*", securityHeaders());
  // Webhooks set their own (larger) limit in their routes; everything else gets the default.
  app.use("*", async (c, next) => (c.req.path.startsWith("/webhooks/") ? next() : limitBody()(c, next)));
  app.route("/", healthRoutes);
  app.route("/", homeRoutes);
  app.route("/", devRoutes);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
