/**
 * The JSON API (`/api/v1`), described by `/openapi.json`, which is generated
 * from the same zod schemas the routes validate with, and a readable reference
 * at `/api/docs`.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { requireWorkspace } from "../../auth";
import { AppError } from "../../errors";
import { registerAuditRoutes } from "./audits";
import { registerConnectionRoutes } from "./connections";
import { registerLearningRoutes } from "./learning";
import { registerSettingsRoutes } from "./settings";
import { registerWritebackRoutes } from "./writeback";
import { MeSchema, WorkspaceExportSchema, WorkspaceParams, errorResponses, json } from "./schemas";

export function createApi() {
  const api = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError(
          "validation_failed",
          "The request did not pass validation",
          result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        );
      }
    },
  });
  api.use("/api/v1/workspaces/:workspaceId/*", requireWorkspace("member"));
  api.use("/api/v1/workspaces/:workspaceId/*", async (c, next) => {
    // A read-scoped API token may only read.
    const token = c.get("apiToken");
    if (token && token.scope === "read" && c.req.method !== "GET" && c.req.method !== "HEAD") throw new AppError("forbidden", "This API token is read-only");
    await next();
  });
  registerAuditRoutes(api);
  registerConnectionRoutes(api);
  registerWritebackRoutes(api);
  registerSettingsRoutes(api);
  registerLearningRoutes(api);
  // Served outside this router (their sign-in and admin checks live with the pages), described here.
  api.openAPIRegistry.registerPath({
    method: "get",
    path: "/api/v1/me",
    tags: ["account"],
    summary: "Who is calling: the signed-in user and their workspaces, or the API token",
    responses: { 200: json(MeSchema, "The caller"), ...errorResponses },
  });
  api.openAPIRegistry.registerPath({
    method: "get",
    path: "/api/v1/workspaces/{workspaceId}/export",
    tags: ["workspaces"],
    summary: "The whole workspace as one JSON document, for export before erasure (admins)",
    request: { params: WorkspaceParams },
    responses: { 200: json(WorkspaceExportSchema, "The export (sent as an attachment)"), ...errorResponses },
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API token (`ba_…`) from the workspace's API tokens page",
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "ba_session",
    description: "A browser session (state-changing requests also need the x-csrf-token header)",
  });
  return api;
}

export function openApiDocument(api: ReturnType<typeof createApi>, version: string) {
  return api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Backlog Auditor API",
      version,
      description:
        "Is your backlog working on your real bottleneck, or has it drifted into a wish list? Every error is `{ error: { code, message, details?, requestId } }` with a stable code.",
    },
    security: [{ bearer: [] }, { session: [] }],
  });
}
