/** Audits: latest, one, history (paged), trigger; per-issue verdicts with explanations. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../../app-env";
import { AuditReportSchema, AuditSummarySchema } from "../../core/audit";
import { ConstraintSchema } from "../../../domain/types";
import { getAudit, getLatestAuditHead, gzipText, listAuditHistory, type AuditRunRow } from "../../db/audits";
import { getAssessment, listAssessments } from "../../db/classifications";
import { AppError } from "../../errors";
import { upgradeStoredReport } from "../../report/stored";
import { reportRetention, runWorkspaceAudit } from "../../services/audit";
import { classifyPending } from "../../services/classify";
import {
  AuditHistoryItemSchema,
  AuditRunSchema,
  IssueVerdictSchema,
  PageQuery,
  WorkspaceParams,
  decodeCursor,
  encodeCursor,
  errorResponses,
  json,
} from "./schemas";

const tags = ["audits"];

/**
 * The audit as JSON text, built from the stored summary and report without
 * parsing them again (they were validated when the audit was computed): the
 * report of a large workspace is big, and this is the API's hot path.
 */
export function auditRunJson(r: AuditRunRow): string {
  let report = r.reportJson ?? "null";
  // A report stored before the diagnosis lacks it (its summary has no verdict): upgrade it, so the
  // API answers what OpenAPI says. Current reports are streamed as stored.
  if (r.reportJson && (r.summaryJson as string).indexOf('"verdict":') < 0) report = JSON.stringify(upgradeStoredReport(JSON.parse(r.reportJson)));
  return `{"id":${JSON.stringify(r.id)},"createdAt":${JSON.stringify(r.createdAt)},"trigger":${JSON.stringify(r.trigger)},"issueCount":${r.issueCount},"summary":${r.summaryJson},"report":${report},"reportPrunedAt":${JSON.stringify(r.reportPrunedAt)}}`;
}

const rawJson = (c: { body: (b: string, s: 200 | 201, h: Record<string, string>) => Response }, text: string, status: 200 | 201 = 200) =>
  c.body(text, status, { "content-type": "application/json; charset=utf-8" });

/**
 * The latest audit's JSON per workspace, kept in the isolate: a stored audit never
 * changes, so the cheap head query decides whether the cached text is current. Its
 * gzip is made once, on the first request that accepts it.
 */
type CachedAudit = { id: string; json: string; gz?: Uint8Array };
const latestJson = new Map<string, CachedAudit>();
async function cachedAuditJson(db: D1Database, workspaceId: string, auditId: string): Promise<CachedAudit> {
  const hit = latestJson.get(workspaceId);
  if (hit?.id === auditId) return hit;
  const row = await getAudit(db, workspaceId, auditId, { raw: true });
  if (!row) throw new AppError("not_found", "No such audit in this workspace");
  const entry: CachedAudit = { id: auditId, json: auditRunJson(row) };
  if (latestJson.size >= 50) latestJson.delete(latestJson.keys().next().value!);
  latestJson.set(workspaceId, entry);
  return entry;
}

/**
 * An audit's JSON, gzip-encoded for a client that accepts it (a report is ~100–150 KB of JSON
 * and ~10× smaller compressed; sending it is most of the route's CPU). The body is already
 * encoded, so the runtime must pass it through as is (`encodeBody: "manual"`).
 */
async function sendAudit(c: { req: { header(name: string): string | undefined } }, entry: CachedAudit, headers: Record<string, string>): Promise<Response> {
  const base = { "content-type": "application/json; charset=utf-8", vary: "accept-encoding", ...headers };
  if (!/\bgzip\b/i.test(c.req.header("accept-encoding") ?? "")) return new Response(entry.json, { status: 200, headers: base });
  entry.gz ??= await gzipText(entry.json);
  return new Response(entry.gz, { status: 200, headers: { ...base, "content-encoding": "gzip" }, encodeBody: "manual" });
}

export function registerAuditRoutes(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/audits/latest",
      tags,
      summary: "The latest audit report",
      request: { params: WorkspaceParams },
      responses: { 200: json(AuditRunSchema, "The latest audit"), ...errorResponses },
    }),
    async (c) => {
      const ws = c.get("workspace").id;
      const head = await getLatestAuditHead(c.env.DB, ws);
      if (!head) throw new AppError("not_found", "This workspace has no audit yet: sync a tracker or POST /audits");
      const etag = `"${head.id}"`;
      c.header("etag", etag);
      c.header("cache-control", "private, no-cache");
      // Audits never change once stored: a client holding this one gets a 304.
      if (c.req.header("if-none-match") === etag) return c.body(null, 304) as never;
      return (await sendAudit(c, await cachedAuditJson(c.env.DB, ws, head.id), { etag, "cache-control": "private, no-cache" })) as never;
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/audits/{auditId}",
      tags,
      summary: "One audit report",
      request: { params: WorkspaceParams.extend({ auditId: z.string().max(64) }) },
      responses: { 200: json(AuditRunSchema, "The audit"), ...errorResponses },
    }),
    async (c) => {
      const { auditId } = c.req.valid("param");
      const etag = `"${auditId}"`;
      if (c.req.header("if-none-match") === etag) return c.body(null, 304) as never;
      const row = await getAudit(c.env.DB, c.get("workspace").id, auditId, { raw: true });
      if (!row) throw new AppError("not_found", "No such audit in this workspace");
      return (await sendAudit(c, { id: row.id, json: auditRunJson(row) }, { etag, "cache-control": "private, no-cache" })) as never;
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/audits",
      tags,
      summary: "Audit history, newest first (paged)",
      request: { params: WorkspaceParams, query: PageQuery },
      responses: { 200: json(z.object({ items: z.array(AuditHistoryItemSchema), nextCursor: z.string().nullable() }), "A page of history"), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const rows = await listAuditHistory(c.env.DB, c.get("workspace").id, { limit: q.limit + 1, before: decodeCursor(q.cursor) });
      const page = rows.slice(0, q.limit);
      const items = page.map((r) => ({
        id: r.id,
        createdAt: r.createdAt,
        trigger: r.trigger,
        issueCount: r.issueCount,
        summary: AuditSummarySchema.parse(r.summary),
      }));
      const last = page[page.length - 1];
      return c.json({ items, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/workspaces/{workspaceId}/audits",
      tags,
      summary: "Run a new audit now (classifies pending issues first)",
      request: { params: WorkspaceParams },
      responses: { 201: json(AuditRunSchema, "The new audit"), ...errorResponses },
    }),
    async (c) => {
      const ws = c.get("workspace");
      const now = () => new Date(c.get("deps").now());
      for (let i = 0; i < 50; i++) if (!(await classifyPending(c.env.DB, ws.id, { now: now() })).more) break;
      const { id } = await runWorkspaceAudit(c.env.DB, ws.id, { trigger: "api", now: now(), retention: reportRetention(c.env) });
      return rawJson(c, auditRunJson((await getAudit(c.env.DB, ws.id, id, { raw: true }))!), 201) as never;
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/issues",
      tags: ["issues"],
      summary: "Per-issue verdicts with their explanations (paged by id)",
      request: {
        params: WorkspaceParams,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z.string().max(64).optional().describe("The last id of the previous page"),
          constraint: z
            .union([ConstraintSchema, z.literal("none")])
            .optional()
            .describe("Only issues with this verdict (none = abstained)"),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(IssueVerdictSchema), nextCursor: z.string().nullable() }), "A page of verdicts"), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const items = [];
      let after = q.cursor ?? "";
      // Filtering happens after the page read; keep reading until the page is full or the issues end.
      for (let guard = 0; guard < 20 && items.length < q.limit; guard++) {
        const rows = await listAssessments(c.env.DB, c.get("workspace").id, { after, limit: 500 });
        for (const r of rows) {
          after = r.id;
          const verdict = r.classification?.constraint ?? "none";
          if (q.constraint && verdict !== q.constraint) continue;
          items.push({ id: r.id, connectionId: r.connectionId, issue: r.issue, classification: r.classification, scores: r.scores });
          if (items.length === q.limit) break;
        }
        if (rows.length < 500) {
          if (items.length < q.limit) after = "";
          break;
        }
      }
      return c.json({ items, nextCursor: items.length === q.limit && after ? after : null }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/issues/{issueId}",
      tags: ["issues"],
      summary: "One issue's verdict, scores and explanation",
      request: { params: WorkspaceParams.extend({ issueId: z.string().max(64) }) },
      responses: { 200: json(IssueVerdictSchema, "The verdict"), ...errorResponses },
    }),
    async (c) => {
      const r = await getAssessment(c.env.DB, c.get("workspace").id, c.req.valid("param").issueId);
      if (!r) throw new AppError("not_found", "No such issue in this workspace");
      return c.json({ id: r.id, connectionId: r.connectionId, issue: r.issue, classification: r.classification, scores: r.scores }, 200);
    },
  );
}
