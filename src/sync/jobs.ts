/**
 * Queue messages. Each job is small and idempotent: a sync is a chain of
 * `sync-page` jobs, one page each, so one invocation stays within the
 * subrequest and CPU budgets, and a crash resumes from the checkpoint.
 */
import { z } from "zod";

export const SyncStartJob = z.object({
  type: z.literal("sync-start"),
  connectionId: z.string(),
  reason: z.enum(["connect", "cron", "manual", "webhook-gap"]).default("manual"),
});
export const SyncPageJob = z.object({
  type: z.literal("sync-page"),
  connectionId: z.string(),
  scopeId: z.string(),
  runId: z.string(),
});
export const WebhookJob = z.object({
  type: z.literal("webhook"),
  tracker: z.enum(["github", "linear", "jira"]),
  deliveryId: z.string(),
  /** The verified raw delivery (headers subset + body), parsed by the connector in the consumer. */
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});
export const ClassifyJob = z.object({
  type: z.literal("classify"),
  workspaceId: z.string(),
  /** Reclassify everything (a rule-pack change) or only issues whose content changed. */
  all: z.boolean().default(false),
  /** What follows once nothing is left to classify: an audit (after a sync), a write-back (after a webhook), or nothing. */
  then: z.enum(["audit", "writeback", "none"]).default("none"),
  /** With then = writeback: the connection to write back to. */
  connectionId: z.string().optional(),
});
export const AuditJob = z.object({
  type: z.literal("audit"),
  workspaceId: z.string(),
  trigger: z.enum(["manual", "cron", "sync", "demo", "api"]),
});
export const WritebackJob = z.object({
  type: z.literal("writeback"),
  workspaceId: z.string(),
  connectionId: z.string(),
  runId: z.string(),
  /** Only these issues (a webhook's changes); without it the run plans the whole connection. */
  issueIds: z.array(z.string()).max(100).optional(),
});

export const RefreshWebhooksJob = z.object({
  type: z.literal("refresh-webhooks"),
  connectionId: z.string(),
  webhookIds: z.array(z.string()).max(100),
});

/** Collect the workspace's labelled evidence, backtest a workspace model and put it live only if it wins (src/services/learning.ts). */
export const LearnJob = z.object({
  type: z.literal("learn"),
  workspaceId: z.string(),
});

export const JobSchema = z.discriminatedUnion("type", [
  SyncStartJob,
  SyncPageJob,
  WebhookJob,
  ClassifyJob,
  AuditJob,
  WritebackJob,
  RefreshWebhooksJob,
  LearnJob,
]);
export type Job = z.infer<typeof JobSchema>;
export type JobOf<T extends Job["type"]> = Extract<Job, { type: T }>;
