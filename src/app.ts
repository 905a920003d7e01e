/**
 * The Hono app: middleware (request id, logs, secure headers, body limits,
 * authentication, CSRF, rate limits, error shape) and the route groups.
 * Routes never hold SQL: they call `src/db/*`, the services and the pure core.
 */
import { Hono } from "hono";
import type { AppEnv } from "./app-env";
import { authenticate, ipKey, rateLimit } from "./auth";
import { defaultDeps, type Deps } from "./deps";
import { getConfig } from "./env";
import { notFound, onError } from "./middleware/errors";
import { limitBody, requestContext } from "./middleware/request";
import { securityHeaders } from "./middleware/security";
import { createApi, openApiDocument } from "./routes/api";
import { createAuthRoutes } from "./routes/auth";
import { connectRoutes } from "./routes/connect";
import { devRoutes } from "./routes/dev";
import { devFixtureRoutes } from "./routes/dev-fixtures";
import { healthRoutes } from "./routes/health";
import { pageRoutes } from "./routes/pages";
import { homeRoutes } from "./routes/home";
import { reportRoutes } from "./routes/report";
import { webhookRoutes } from "./routes/webhooks";
import { workspaceRoutes } from "./routes/workspaces";
import { connectorFor } from "./services/connectors";

/** What the app is built from: the injected dependencies, and whether the local-demo routes exist. */
export interface AppDeps extends Deps {
  /** DEMO_MODE=1: mount `/dev/*` (demo seeding, browser fixtures, bench counters). Never set in production. */
  demoMode?: boolean;
}

/**
 * Builds the app. `src/index.ts` builds one per DEMO_MODE value (env is per request on Workers);
 * tests build their own.
 *
 * @example
 * const app = createApp({ ...defaultDeps(), demoMode: isDemoMode(env) });
 */
export function createApp(deps: AppDeps = defaultDeps()) {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext());
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use("*", securityHeaders());
  // Webhooks set their own (larger) limit in their route; everything else gets the default.
  app.use("*", async (c, next) => (c.req.path.startsWith("/webhooks/") ? next() : limitBody()(c, next)));
  // API token → session → CSRF (webhooks and bearer-token requests are exempt from CSRF).
  app.use("*", authenticate());
  app.use("/api/*", rateLimit({ name: "api", binding: "RL_API", limit: 1200, periodSeconds: 60 }));
  app.use("/webhooks/*", rateLimit({ name: "webhooks", binding: "RL_WEBHOOKS", limit: 120_000, periodSeconds: 60, key: ipKey }));

  app.route("/", healthRoutes);
  app.route("/", homeRoutes);
  app.route("/", webhookRoutes);
  app.route("/", createAuthRoutes({ getConnector: (tracker, env, d) => connectorFor(tracker, getConfig(env), d) }));
  app.route("/", workspaceRoutes);
  app.route("/", connectRoutes);
  app.route("/", reportRoutes);
  app.route("/", pageRoutes);
  if (deps.demoMode) {
    app.route("/", devRoutes);
    app.route("/", devFixtureRoutes);
  }
  const api = createApi();
  app.route("/", api);
  let doc: unknown = null;
  app.get("/openapi.json", (c) => {
    doc ??= openApiDocument(api, c.env.APP_VERSION);
    return c.json(doc);
  });
  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
