/** Connections: list with sync status, trigger a sync, set a connection's write mode, list and retry sync failures. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../../app-env";
import { getConnection, listConnections, setConnectionWriteMode, type Connection } from "../../db/connections";
import { listSyncStates, type SyncState } from "../../db/sync-state";
import { getSettings, type WriteMode } from "../../db/workspaces";
import { AppError } from "../../errors";
import { effectiveMode } from "../../services/writeback";
import { listConnectionFailures } from "../../db/failures";
import { latestIssueUpdateByConnection } from "../../db/issues";
import { webhookSilence } from "../../services/webhook-silence";
import { failureView, retrySyncFailure } from "../../services/sync-failures";
import { ConnectionSchema, ErrorSchema, SyncFailureSchema, WorkspaceParams, errorResponses, json } from "./schemas";

const tags = ["connections"];

/** @param latestIssueUpdate the newest stored issue change of the connection (for the Jira webhook-silence warning). */
export function toConnectionView(c: Connection, states: SyncState[], workspaceMode: WriteMode, latestIssueUpdate: string | null = null, now = Date.now()) {
  const silence = webhookSilence(c, latestIssueUpdate, now);
  return {
    id: c.id,
    tracker: c.tracker,
    accountName: c.accountName,
    siteUrl: c.siteUrl,
    status: c.status,
    statusDetail: c.statusDetail,
    writeMode: effectiveMode(c, workspaceMode),
    scopes: c.syncScopes.map((s) => ({ kind: s.kind, id: s.id, name: s.name })),
    sync: states
      .filter((s) => s.connectionId === c.id)
      .map((s) => ({
        scopeId: s.scopeId,
        status: s.status,
        lastSyncedAt: s.lastSyncedAt,
        nextRunAt: s.nextRunAt,
        lastError: s.lastError,
        issuesSynced: s.issuesSynced,
        requestsMade: s.requestsMade,
      })),
    webhooks: { lastAppliedAt: c.lastWebhookAt, applied: c.webhooksApplied, warning: silence?.message ?? null },
    createdAt: c.createdAt,
  };
}

export function requireAdmin(c: { get(k: "role"): "admin" | "member" }) {
  if (c.get("role") !== "admin") throw new AppError("forbidden", "Only workspace admins can do this");
}

export function registerConnectionRoutes(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/connections",
      tags,
      summary: "Tracker connections with their sync status",
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ items: z.array(ConnectionSchema) }), "Connections"), ...errorResponses },
    }),
    async (c) => {
      const ws = c.get("workspace");
      const [conns, states, settings, latest] = await Promise.all([
        listConnections(c.env.DB, ws.id),
        listSyncStates(c.env.DB, ws.id),
        getSettings(c.env.DB, ws.id),
        latestIssueUpdateByConnection(c.env.DB, ws.id),
      ]);
      const now = c.get("deps").now();
      return c.json({ items: conns.map((x) => toConnectionView(x, states, settings!.writeMode, latest.get(x.id) ?? null, now)) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/workspaces/{workspaceId}/connections/{connectionId}/sync",
      tags,
      summary: "Start an incremental sync now (admin)",
      request: { params: WorkspaceParams.extend({ connectionId: z.string().max(64) }) },
      responses: { 202: json(z.object({ queued: z.boolean() }), "Queued"), ...errorResponses },
    }),
    async (c) => {
      requireAdmin(c);
      const conn = await getConnection(c.env.DB, c.get("workspace").id, c.req.valid("param").connectionId);
      if (!conn) throw new AppError("not_found", "No such connection in this workspace");
      await c.env.SYNC_QUEUE.send({ type: "sync-start", connectionId: conn.id, reason: "manual" });
      return c.json({ queued: true }, 202);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/connections/{connectionId}/failures",
      tags,
      summary: "Sync failures of a connection (jobs set aside after retries, items skipped at the boundary), newest first",
      request: { params: WorkspaceParams.extend({ connectionId: z.string().max(64) }) },
      responses: { 200: json(z.object({ items: z.array(SyncFailureSchema) }), "Sync failures"), ...errorResponses },
    }),
    async (c) => {
      const ws = c.get("workspace");
      const conn = await getConnection(c.env.DB, ws.id, c.req.valid("param").connectionId);
      if (!conn) throw new AppError("not_found", "No such connection in this workspace");
      const [rows, states] = await Promise.all([listConnectionFailures(c.env.DB, ws.id, conn.id), listSyncStates(c.env.DB, ws.id, conn.id)]);
      return c.json({ items: rows.map((f) => failureView(f, conn, states)) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/workspaces/{workspaceId}/connections/{connectionId}/failures/{failureId}/retry",
      tags,
      summary: "Retry a sync failure: queue its job again (sync jobs as a fresh sync) and remove it from the list (admin)",
      request: { params: WorkspaceParams.extend({ connectionId: z.string().max(64), failureId: z.string().max(64) }) },
      responses: {
        202: json(z.object({ queued: z.literal(true), job: z.string() }), "Queued"),
        409: { description: "The connection is disconnected", content: { "application/json": { schema: ErrorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      requireAdmin(c);
      const { connectionId, failureId } = c.req.valid("param");
      const conn = await getConnection(c.env.DB, c.get("workspace").id, connectionId);
      if (!conn) throw new AppError("not_found", "No such connection in this workspace");
      const job = await retrySyncFailure(c.env, conn, failureId);
      return c.json({ queued: true as const, job: job.type }, 202);
    },
  );

  api.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/workspaces/{workspaceId}/connections/{connectionId}/write-mode",
      tags,
      summary: "Set a connection's write mode (null = follow the workspace) (admin)",
      request: {
        params: WorkspaceParams.extend({ connectionId: z.string().max(64) }),
        body: { content: { "application/json": { schema: z.object({ writeMode: z.enum(["off", "dry-run", "on"]).nullable() }) } } },
      },
      responses: { 200: json(ConnectionSchema, "The connection"), ...errorResponses },
    }),
    async (c) => {
      requireAdmin(c);
      const ws = c.get("workspace");
      const { connectionId } = c.req.valid("param");
      const conn = await getConnection(c.env.DB, ws.id, connectionId);
      if (!conn) throw new AppError("not_found", "No such connection in this workspace");
      await setConnectionWriteMode(c.env.DB, ws.id, conn.id, c.req.valid("json").writeMode, new Date(c.get("deps").now()));
      const [fresh, states, settings] = await Promise.all([
        getConnection(c.env.DB, ws.id, conn.id),
        listSyncStates(c.env.DB, ws.id, conn.id),
        getSettings(c.env.DB, ws.id),
      ]);
      return c.json(toConnectionView(fresh!, states, settings!.writeMode), 200);
    },
  );
}
