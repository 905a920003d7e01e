/** Write-back: the dry-run diff, runs, undo, and the ledger (JSON, CSV, JSONL). */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../../app-env";
import { planToDiffRows } from "../../core/writeback";
import { getConnection } from "../../db/connections";
import { getWritebackRun, listLedger, pageWritebackRuns, type LedgerRow } from "../../db/ledger";
import { getConfig } from "../../env";
import { AppError } from "../../errors";
import { csvRow } from "../../report";
import { planForConnection, runWriteback, startWritebackRun, undoWritebackRun } from "../../services/writeback";
import { requireAdmin } from "./connections";
import {
  LedgerEntrySchema,
  PageQuery,
  WorkspaceParams,
  WritebackPlanResponseSchema,
  WritebackRunSchema,
  decodeCursor,
  decodeRunCursor,
  encodeCursor,
  encodeRunCursor,
  errorResponses,
  json,
} from "./schemas";

const tags = ["write-back"];
const LEDGER_COLUMNS = [
  "createdAt",
  "issueKey",
  "externalId",
  "action",
  "target",
  "beforeValue",
  "afterValue",
  "ruleId",
  "reason",
  "mode",
  "outcome",
  "trackerResponseId",
  "error",
  "runId",
  "auditRunId",
  "connectionId",
  "id",
] as const;

export function ledgerToCsv(rows: LedgerRow[]): string {
  return [csvRow([...LEDGER_COLUMNS]), ...rows.map((r) => csvRow(LEDGER_COLUMNS.map((k) => r[k] ?? "")))].join("\r\n") + "\r\n";
}

const stripWorkspace = ({ workspaceId: _w, issueId: _i, ...rest }: LedgerRow) => rest;

export function registerWritebackRoutes(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/connections/{connectionId}/writeback/plan",
      tags,
      summary: "What a write-back would write now: the exact label and comment changes (nothing is written)",
      request: { params: WorkspaceParams.extend({ connectionId: z.string().max(64) }) },
      responses: { 200: json(WritebackPlanResponseSchema, "The plan"), ...errorResponses },
    }),
    async (c) => {
      const ws = c.get("workspace");
      const conn = await getConnection(c.env.DB, ws.id, c.req.valid("param").connectionId);
      if (!conn) throw new AppError("not_found", "No such connection in this workspace");
      const { plan, mode } = await planForConnection(c.env.DB, getConfig(c.env), { workspaceId: ws.id, connection: conn });
      return c.json({ connectionId: conn.id, mode, counts: plan.counts, actions: plan.actions, diff: planToDiffRows(plan) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/workspaces/{workspaceId}/connections/{connectionId}/writeback/runs",
      tags,
      summary: "Run a write-back now in the connection's mode (dry-run records the plan; on writes it) (admin)",
      request: { params: WorkspaceParams.extend({ connectionId: z.string().max(64) }) },
      responses: {
        201: json(WritebackRunSchema, "The run"),
        409: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), "Write-back is off"),
        ...errorResponses,
      },
    }),
    async (c) => {
      requireAdmin(c);
      const ws = c.get("workspace");
      const deps = c.get("deps");
      const conn = await getConnection(c.env.DB, ws.id, c.req.valid("param").connectionId);
      if (!conn) throw new AppError("not_found", "No such connection in this workspace");
      const runId = await startWritebackRun(c.env.DB, { workspaceId: ws.id, connectionId: conn.id, now: new Date(deps.now()) });
      if (!runId) throw new AppError("conflict", "Write-back is off for this connection, or the connection is not active");
      const result = await runWriteback(c.env.DB, getConfig(c.env), deps, { workspaceId: ws.id, connectionId: conn.id, runId });
      if (result?.retryAt)
        await c.env.SYNC_QUEUE.send(
          { type: "writeback", workspaceId: ws.id, connectionId: conn.id, runId },
          { delaySeconds: Math.max(1, Math.ceil((result.retryAt - deps.now()) / 1000)) },
        );
      return c.json((await getWritebackRun(c.env.DB, ws.id, runId))!, 201);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/writeback/runs",
      tags,
      summary: "Write-back runs, newest first (paged)",
      request: { params: WorkspaceParams, query: PageQuery },
      responses: { 200: json(z.object({ items: z.array(WritebackRunSchema), nextCursor: z.string().nullable() }), "A page of runs"), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { runs, next } = await pageWritebackRuns(c.env.DB, c.get("workspace").id, q.limit, decodeRunCursor(q.cursor));
      return c.json({ items: runs.map(({ workspaceId: _w, ...r }) => r), nextCursor: next ? encodeRunCursor(next) : null }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/workspaces/{workspaceId}/writeback/runs/{runId}/undo",
      tags,
      summary: "Revert exactly what a run wrote, unless a person changed it since (admin)",
      description:
        "Bounded like a write-back (at most the tracker's write concurrency in flight). A rate limit answers 503 with Retry-After, a revoked or refused grant 502 (the connection is marked as by a write-back); what was reverted is in the ledger, and asking again reverts the rest without reverting anything twice.",
      request: { params: WorkspaceParams.extend({ runId: z.string().max(64) }) },
      responses: {
        200: json(
          z.object({
            reverted: z.number().int().describe("Ledger rows reverted by this call (with an interrupted earlier call's writes that had landed)"),
            failed: z.number().int().describe("Ledger rows whose revert the tracker refused (recorded as failed; undo can be asked again)"),
            skipped: z.array(z.object({ externalId: z.string(), key: z.string(), reason: z.string() })),
          }),
          "Undone",
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      requireAdmin(c);
      const r = await undoWritebackRun(c.env.DB, getConfig(c.env), c.get("deps"), { workspaceId: c.get("workspace").id, runId: c.req.valid("param").runId });
      if (!r) throw new AppError("not_found", "No such write-back run (only runs that wrote can be undone)");
      return c.json(r, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/ledger",
      tags,
      summary: "The write-back ledger: every write, removal, dry-run plan and human override (JSON page, or a full CSV/JSONL export)",
      request: {
        params: WorkspaceParams,
        query: z.object({
          format: z.enum(["json", "csv", "jsonl"]).default("json"),
          runId: z.string().max(64).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: {
          description: "Ledger entries",
          content: {
            "application/json": { schema: z.object({ items: z.array(LedgerEntrySchema), nextCursor: z.string().nullable() }) },
            "text/csv": { schema: z.string() },
            "application/x-ndjson": { schema: z.string() },
          },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const ws = c.get("workspace");
      if (q.format !== "json") {
        const all: LedgerRow[] = [];
        let before: { createdAt: string; id: string } | null = null;
        for (;;) {
          const page = await listLedger(c.env.DB, ws.id, { runId: q.runId, limit: 500, before });
          all.push(...page);
          if (page.length < 500 || all.length >= 100_000) break;
          before = page[page.length - 1]!;
        }
        const name = `ledger-${ws.id}${q.runId ? `-${q.runId}` : ""}`;
        if (q.format === "csv")
          return c.body(ledgerToCsv(all), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}.csv"` });
        return c.body(all.map((r) => JSON.stringify(stripWorkspace(r))).join("\n") + (all.length ? "\n" : ""), 200, {
          "content-type": "application/x-ndjson",
          "content-disposition": `attachment; filename="${name}.jsonl"`,
        });
      }
      const rows = await listLedger(c.env.DB, ws.id, { runId: q.runId, limit: q.limit + 1, before: decodeCursor(q.cursor) });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json({ items: page.map(stripWorkspace), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null }, 200);
    },
  );
}
