/** Response and request schemas of the JSON API; /openapi.json is generated from these. */
import { z } from "zod";
import { AuditReportSchema, AuditSummarySchema, DiagnosisSettingsSchema, PRESSURE_KINDS } from "../../core/audit";
import { ClassificationSchema, ConstraintSchema, IssueSchema, ScoresSchema, TrackerSchema } from "../../../domain/types";
import { LedgerEntrySchema as CoreLedgerEntrySchema, PlanCountsSchema, PlannedActionSchema } from "../../core/writeback";
import { ERROR_CODES } from "../../errors";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...Array<keyof typeof ERROR_CODES>]).describe("Stable machine-readable code."),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: "Error" });

export const errorResponses = {
  400: { description: "Malformed JSON or a body that fails validation", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "Not signed in / no API token", content: { "application/json": { schema: ErrorSchema } } },
  403: {
    description: "Signed in but not allowed (CSRF, read-only token, member doing an admin action)",
    content: { "application/json": { schema: ErrorSchema } },
  },
  404: { description: "No such resource in a workspace you can access", content: { "application/json": { schema: ErrorSchema } } },
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const Rows = z.array(z.record(z.string(), z.unknown()));
/** `src/db/export.ts`: one array of rows per table, JSON columns parsed (docs/storage.md, "Workspace export"). */
export const WorkspaceExportSchema = z
  .object({
    format: z.literal("backlog-auditor-export/v1"),
    exportedAt: z.string(),
    workspace: z.object({ id: z.string(), name: z.string(), createdAt: z.string() }),
    settings: z.record(z.string(), z.unknown()).nullable(),
    members: Rows,
    connections: Rows.describe("Without tokens"),
    issues: Rows,
    classifications: Rows,
    audits: Rows.describe('`report` inflated; "" once pruned (the summary stays)'),
    ledger: Rows,
    writebackRuns: Rows,
    labelOverrides: Rows,
    learningExamples: Rows,
    learning: z.record(z.string(), z.unknown()).nullable(),
    syncFailures: Rows,
    syncSkipped: Rows,
  })
  .meta({ id: "WorkspaceExport" });

export const MeSchema = z
  .union([
    z.object({
      user: z.object({ id: z.string(), tracker: z.string(), login: z.string(), name: z.string().nullable() }),
      csrfToken: z.string(),
      sessionExpiresAt: z.string(),
      workspaces: z.array(z.object({ id: z.string(), name: z.string(), role: z.enum(["admin", "member"]) })),
    }),
    z.object({ token: z.object({ id: z.string(), name: z.string(), workspaceId: z.string(), scope: z.enum(["read", "write"]) }) }),
  ])
  .meta({ id: "Me" });

export const WorkspaceParams = z.object({ workspaceId: z.string().min(1).max(64).describe("Workspace id") });

export const AuditRunSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    trigger: z.enum(["manual", "cron", "sync", "demo", "api"]),
    issueCount: z.number().int(),
    summary: AuditSummarySchema,
    report: AuditReportSchema.nullable().describe("The full report; null once the run is past the report retention window (its summary stays)."),
    reportPrunedAt: z.string().nullable().describe("When the full report was dropped past the retention window; null while it is kept."),
  })
  .meta({ id: "AuditRun" });

export const AuditHistoryItemSchema = AuditRunSchema.omit({ report: true, reportPrunedAt: true }).meta({ id: "AuditHistoryItem" });

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe("Page size"),
  cursor: z.string().max(200).optional().describe("Opaque cursor from the previous page's nextCursor"),
});

export const IssueVerdictSchema = z
  .object({
    id: z.string().describe("Our id for the issue"),
    connectionId: z.string(),
    issue: IssueSchema,
    classification: ClassificationSchema.nullable().describe("null until classified"),
    scores: ScoresSchema.nullable(),
  })
  .meta({ id: "IssueVerdict" });

export const SyncStatusSchema = z.object({
  scopeId: z.string(),
  status: z.enum(["idle", "running", "waiting", "error"]),
  lastSyncedAt: z.string().nullable(),
  nextRunAt: z.string().nullable(),
  lastError: z.string().nullable(),
  issuesSynced: z.number().int(),
  requestsMade: z.number().int(),
});

export const ConnectionSchema = z
  .object({
    id: z.string(),
    tracker: TrackerSchema,
    accountName: z.string().nullable(),
    siteUrl: z.string().nullable(),
    status: z.enum(["pending", "active", "rate_limited", "error", "revoked", "disconnected"]),
    statusDetail: z.string().nullable(),
    writeMode: z.enum(["off", "dry-run", "on"]).describe("Effective write mode (the connection's own, or the workspace's)"),
    scopes: z.array(z.object({ kind: z.enum(["repo", "team", "project"]), id: z.string(), name: z.string() })),
    sync: z.array(SyncStatusSchema),
    webhooks: z
      .object({
        lastAppliedAt: z.string().nullable().describe("When a webhook delivery was last applied to this connection; null = none yet"),
        applied: z.number().int().describe("Webhook deliveries applied since the connection was created"),
        warning: z
          .string()
          .nullable()
          .describe("Why live updates seem not to arrive (a Jira connection with no delivery for a day while issues changed), or null"),
      })
      .describe("Live updates: webhook deliveries routed to this connection"),
    createdAt: z.string(),
  })
  .meta({ id: "Connection" });

export const SyncFailureSchema = z
  .object({
    id: z.string(),
    item: z.string().describe("What failed, in words: a scope's sync, an item skipped at the boundary, a webhook delivery, a write-back run…"),
    job: z
      .string()
      .describe(
        "The queue job type that was set aside (sync-page, skipped-item, webhook, classify, audit, writeback, refresh-webhooks; unknown if unreadable)",
      ),
    reason: z.string().describe("Why it was set aside"),
    createdAt: z.string().describe("When it was set aside"),
    retry: z
      .string()
      .nullable()
      .describe(
        "The job type POST …/retry queues: a dead-lettered sync-page resumes its pass while that pass holds the lease, other sync failures queue a fresh sync-start, other jobs are queued again as they were; null when the connection is disconnected",
      ),
  })
  .meta({ id: "SyncFailure" });

export const SettingsSchema = z
  .object({
    writeMode: z.enum(["off", "dry-run", "on"]),
    commentsEnabled: z.boolean(),
    focusConstraint: ConstraintSchema.nullable(),
    focusSince: z.string().nullable().describe("When work on the focus began (ISO 8601): starts the 30/60/90 follow-up; null = taken from audit history"),
    diagnosis: DiagnosisSettingsSchema.describe("How the bottleneck is diagnosed (window, weights, thresholds), defaults filled in"),
    labelPrefix: z.string(),
    maxWritesPerRun: z.number().int(),
    rulePack: z.string().nullable().describe("YAML source of the workspace's pack; null = the default pack"),
    rulePackHash: z.string(),
  })
  .meta({ id: "Settings" });

export const SettingsPatchSchema = z
  .object({
    writeMode: z.enum(["off", "dry-run", "on"]).optional(),
    commentsEnabled: z.boolean().optional(),
    focusConstraint: ConstraintSchema.nullable().optional(),
    focusSince: z.iso
      .datetime({ offset: true })
      .or(z.iso.date())
      .nullable()
      .optional()
      .describe("When work on the focus began (date or date-time); null clears it"),
    diagnosis: z
      .object({
        windowDays: z.number().int().min(7).max(730).optional(),
        weights: z
          .object(Object.fromEntries(PRESSURE_KINDS.map((k) => [k, z.number().min(0).optional()])))
          .strict()
          .optional(),
        minPressure: z.number().min(0).optional(),
        minLead: z.number().min(1).optional(),
      })
      .strict()
      .optional()
      .describe("Diagnosis settings to change; omitted fields keep their value"),
    labelPrefix: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9:_./-]+$/, "letters, digits and : _ . / - only (Jira labels cannot contain spaces)")
      .optional(),
    maxWritesPerRun: z.number().int().min(0).max(10_000).optional(),
    rulePack: z.string().nullable().optional().describe("YAML or JSON (256 KiB at most, checked by the pack loader: 422); null resets to the default pack"),
  })
  .strict()
  .meta({ id: "SettingsPatch" });

export const WritebackPlanResponseSchema = z
  .object({
    connectionId: z.string(),
    mode: z.enum(["off", "dry-run", "on"]),
    counts: PlanCountsSchema,
    actions: z.array(PlannedActionSchema),
    diff: z.array(z.object({ key: z.string(), change: z.string(), reason: z.string() })),
  })
  .meta({ id: "WritebackPlan" });

export const WritebackRunSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    auditRunId: z.string().nullable(),
    mode: z.enum(["dry-run", "on"]),
    status: z.enum(["planned", "running", "done", "failed", "undone"]),
    planned: z.number().int(),
    applied: z.number().int(),
    failed: z.number().int(),
    capped: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: "WritebackRun" });

/** A ledger row as the API shows it: the stored row (`core/writeback`) without workspace and issue ids. */
export const LedgerEntrySchema = CoreLedgerEntrySchema.omit({ workspaceId: true, issueId: true }).meta({ id: "LedgerEntry" });

/** Cursor for (createdAt, id) keyset pages. */
export function encodeCursor(v: { createdAt: string; id: string }): string {
  return btoa(JSON.stringify([v.createdAt, v.id])).replace(/=+$/, "");
}
/** A write-back run position (start time and id) as an opaque cursor, and back. */
export const encodeRunCursor = (p: { startedAt: string; id: string }): string => encodeCursor({ createdAt: p.startedAt, id: p.id });
export function decodeRunCursor(s: string | undefined): { startedAt: string; id: string } | null {
  const c = decodeCursor(s);
  return c ? { startedAt: c.createdAt, id: c.id } : null;
}

export function decodeCursor(s: string | undefined): { createdAt: string; id: string } | null {
  if (!s) return null;
  try {
    const [createdAt, id] = JSON.parse(atob(s)) as [string, string];
    return typeof createdAt === "string" && typeof id === "string" ? { createdAt, id } : null;
  } catch {
    return null;
  }
}
