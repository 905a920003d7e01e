/**
 * zod schemas for the Jira Cloud REST v3 wire shapes the connector reads.
 * Loose objects (unknown keys pass), mirroring jira.js 6's `apiObject`
 * models; only the fields we use are required. `test/unit/connectors/jira`
 * checks the sandbox's answers against jira.js 6's own schemas too.
 */
import { z } from "zod";

const named = z.object({ name: z.string() }).loose();

export const AdfDocSchema = z.object({ type: z.literal("doc"), version: z.number(), content: z.array(z.any()) }).loose();
export type AdfDoc = z.infer<typeof AdfDocSchema>;

export const IssueFieldsSchema = z
  .object({
    summary: z.string(),
    description: AdfDocSchema.nullable().optional(),
    status: z.object({ name: z.string(), statusCategory: z.object({ key: z.string() }).loose() }).loose(),
    priority: named.nullable().optional(),
    issuetype: named.nullable().optional(),
    labels: z.array(z.string()).default([]),
    components: z.array(named).default([]),
    votes: z.object({ votes: z.number().int().nonnegative() }).loose().nullable().optional(),
    /** `{ self, watchCount, isWatching }`. */
    watches: z.object({ watchCount: z.number().int().nonnegative() }).loose().nullable().optional(),
    comment: z.object({ total: z.number().int().nonnegative() }).loose().nullable().optional(),
    project: z.object({ key: z.string() }).loose().nullable().optional(),
    assignee: z.object({ displayName: z.string().optional(), accountId: z.string().optional() }).loose().nullable().optional(),
    created: z.string(),
    updated: z.string(),
    resolutiondate: z.string().nullable().optional(),
  })
  .loose();

/** One issue as `search/jql` and `GET /issue/{key}` return it (with an explicit field list). */
export const RawIssueSchema = z.object({ id: z.string(), key: z.string(), self: z.string().optional(), fields: IssueFieldsSchema }).loose();
export type RawIssue = z.infer<typeof RawIssueSchema>;

export const SearchJqlResponseSchema = z
  .object({ issues: z.array(z.unknown()).default([]), nextPageToken: z.string().nullish(), isLast: z.boolean().optional() })
  .loose();

export const BulkFetchResponseSchema = z.object({ issues: z.array(z.unknown()).default([]), issueErrors: z.array(z.unknown()).default([]) }).loose();

export const SprintValueSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    state: z.string(),
    startDate: z.string().optional(),
    endDate: z.string().optional(),
    completeDate: z.string().optional(),
  })
  .loose();

export const FieldSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    custom: z.boolean().optional(),
    schema: z.object({ type: z.string(), custom: z.string().optional(), customId: z.number().optional() }).loose().optional(),
  })
  .loose();
export type JiraField = z.infer<typeof FieldSchema>;

export const MyselfSchema = z.object({ accountId: z.string(), displayName: z.string().optional(), timeZone: z.string().optional() }).loose();

export const ServerInfoSchema = z.object({ baseUrl: z.string() }).loose();

export const AccessibleResourceSchema = z
  .object({ id: z.string(), url: z.string(), name: z.string(), scopes: z.array(z.string()).default([]), avatarUrl: z.string().optional() })
  .loose();

export const ProjectSearchSchema = z
  .object({
    values: z.array(z.object({ id: z.string(), key: z.string(), name: z.string() }).loose()),
    isLast: z.boolean().optional(),
    startAt: z.number().optional(),
    maxResults: z.number().optional(),
    total: z.number().optional(),
  })
  .loose();

export const CommentSchema = z.object({ id: z.string(), body: AdfDocSchema.nullable().optional() }).loose();
export const CommentPageSchema = z.object({ comments: z.array(CommentSchema), startAt: z.number(), maxResults: z.number(), total: z.number() }).loose();

export const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string().optional(),
    expires_in: z.number(),
    scope: z.string().optional(),
    token_type: z.string().optional(),
  })
  .loose();

export const WebhookRegistrationSchema = z
  .object({ webhookRegistrationResult: z.array(z.object({ createdWebhookId: z.number().optional(), errors: z.array(z.string()).optional() }).loose()) })
  .loose();
export const WebhookRefreshSchema = z.object({ expirationDate: z.union([z.number(), z.string()]) }).loose();

/** A webhook body (issue and comment events). */
export const WebhookBodySchema = z
  .object({
    webhookEvent: z.string(),
    timestamp: z.number().optional(),
    issue: z
      .object({ id: z.string(), key: z.string(), fields: z.record(z.string(), z.unknown()).optional() })
      .loose()
      .optional(),
    comment: z.object({ id: z.string() }).loose().optional(),
    matchedWebhookIds: z.array(z.number()).optional(),
  })
  .loose();
