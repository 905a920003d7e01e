/**
 * zod shapes for what Linear sends: GraphQL responses (issue nodes, pages,
 * write payloads), OAuth token answers and webhook bodies. Shapes are loose
 * on fields we do not use and strict on those we do.
 */
import { z } from "zod";

const IsoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not an ISO date");

export const PageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

export const CycleSchema = z.object({
  id: z.string(),
  number: z.number(),
  name: z.string().nullable().optional(),
  startsAt: IsoDate,
  endsAt: IsoDate,
  isActive: z.boolean().optional(),
  isNext: z.boolean().optional(),
  isFuture: z.boolean().optional(),
  isPast: z.boolean().optional(),
});
export type LinearCycle = z.infer<typeof CycleSchema>;

const Named = z.object({ id: z.string(), name: z.string() });

/** The issue fields the GraphQL node and the webhook payload share. */
const IssueCoreFields = {
  id: z.string().min(1),
  identifier: z.string().min(1),
  url: z.string().nullable().optional(),
  title: z.string(),
  description: z.string().nullable().optional(),
  priority: z.number().int().min(0).max(4),
  priorityLabel: z.string().nullable().optional(),
  estimate: z.number().nonnegative().nullable().optional(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  completedAt: IsoDate.nullable().optional(),
  canceledAt: IsoDate.nullable().optional(),
  reactionData: z.unknown().optional(),
  labelIds: z.array(z.string()).default([]),
};

/** Customer requests: `CustomerNeed.priority` is 0/1 (Float), `Customer.revenue` Int, `size` Float, `tier` a CustomerTier. */
export const NeedsSchema = z.object({
  nodes: z.array(
    z.object({
      priority: z.number().nullable().optional(),
      createdAt: IsoDate.nullable().optional(),
      customer: z
        .object({
          name: z.string(),
          revenue: z.number().nullable().optional(),
          size: z.number().nullable().optional(),
          tier: z.object({ name: z.string() }).nullable().optional(),
        })
        .nullable()
        .optional(),
    }),
  ),
});

/** An issue node as `ISSUE_FIELDS` selects it. */
export const IssueNodeSchema = z.object({
  ...IssueCoreFields,
  state: z.object({ name: z.string(), type: z.string() }),
  cycle: CycleSchema.nullable().optional(),
  team: z.object({ id: z.string(), key: z.string() }),
  project: Named.nullable().optional(),
  projectMilestone: Named.nullable().optional(),
  assignee: z.object({ id: z.string() }).nullable().optional(),
  comments: z.object({ nodes: z.array(z.object({ id: z.string() })) }).optional(),
  startedAt: IsoDate.nullable().optional(),
  /** Customer requests: on `ISSUE_BY_ID`; the sync page reads them through `withNeeds` and sets them here. */
  needs: NeedsSchema.optional(),
  /** Only on `ISSUE_BY_ID`. */
  labels: z.object({ nodes: z.array(Named) }).optional(),
});
export type LinearIssueNode = z.infer<typeof IssueNodeSchema>;

export const LabelDictionarySchema = z.object({ nodes: z.array(Named), pageInfo: PageInfoSchema });

/** The issues with customer requests in a page's range (`withNeeds`); each node is parsed on its own. */
export const WithNeedsSchema = z.object({ pageInfo: PageInfoSchema, nodes: z.array(z.unknown()) });
export const WithNeedsNodeSchema = z.object({ id: z.string(), updatedAt: IsoDate, needs: NeedsSchema });
export type LinearWithNeedsNode = z.infer<typeof WithNeedsNodeSchema>;

/** Issue nodes stay `unknown` here: each is parsed on its own (parseLoose). */
export const IssuesPageSchema = z.object({
  issues: z.object({ pageInfo: PageInfoSchema, nodes: z.array(z.unknown()) }),
  pageTeam: z.object({ nodes: z.array(z.object({ id: z.string(), key: z.string() })) }),
  labelDictionary: LabelDictionarySchema,
  withNeeds: WithNeedsSchema,
});

export const IssuesWithNeedsSchema = z.object({ withNeeds: WithNeedsSchema });

export const LabelsPageSchema = z.object({ labelDictionary: LabelDictionarySchema });

export const IssueByIdSchema = z.object({ issue: z.unknown().nullable() });

export const LabelStateSchema = z.object({
  issue: z
    .object({
      id: z.string(),
      team: z.object({ id: z.string() }),
      labels: z.object({ nodes: z.array(Named) }),
    })
    .nullable(),
  issueLabels: z.object({ nodes: z.array(Named.extend({ team: z.object({ id: z.string() }).nullable().optional() })) }),
});

export const LabelCreateSchema = z.object({
  issueLabelCreate: z.object({ success: z.boolean(), issueLabel: Named }),
});

export const IssueLabelsUpdateSchema = z.object({
  issueUpdate: z.object({
    success: z.boolean(),
    issue: z.object({ id: z.string(), labels: z.object({ nodes: z.array(Named) }) }).nullable(),
  }),
});

export const IssueCommentsSchema = z.object({
  issue: z
    .object({
      id: z.string(),
      comments: z.object({ nodes: z.array(z.object({ id: z.string(), body: z.string() })), pageInfo: PageInfoSchema }),
    })
    .nullable(),
});

export const CommentWriteSchema = z.object({
  success: z.boolean(),
  comment: z.object({ id: z.string() }),
});

export const DiscoverySchema = z.object({
  viewer: z.object({ id: z.string(), name: z.string(), email: z.string().optional() }),
  organization: z.object({ id: z.string(), name: z.string(), urlKey: z.string() }),
  teams: z.object({ nodes: z.array(z.object({ id: z.string(), key: z.string(), name: z.string() })) }),
});

/** A GraphQL error as Linear sends it. */
export const GraphqlErrorSchema = z.object({
  message: z.string().default(""),
  extensions: z
    .object({
      type: z.string().optional(),
      code: z.string().optional(),
      statusCode: z.number().optional(),
      userPresentableMessage: z.string().optional(),
    })
    .loose()
    .optional(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
});
export type GraphqlError = z.infer<typeof GraphqlErrorSchema>;

export const GraphqlEnvelopeSchema = z.object({
  data: z.unknown().optional(),
  errors: z.array(GraphqlErrorSchema).optional(),
});

/** `POST /oauth/token`. Linear sends `scope` as a list; a string (space or comma separated) is accepted too. */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
  refresh_token: z.string().optional(),
  scope: z.union([z.array(z.string()), z.string()]).optional(),
});

// --- Webhooks (EntityWebhookPayload and friends in the schema) ---

export const WebhookEnvelopeSchema = z.object({
  action: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  url: z.string().nullable().optional(),
  updatedFrom: z.record(z.string(), z.unknown()).nullable().optional(),
  createdAt: z.string().optional(),
  organizationId: z.string().optional(),
  webhookId: z.string().optional(),
  webhookTimestamp: z.number(),
});

/** IssueWebhookPayload: flat ids plus small child objects; no cycle flags. */
export const IssueWebhookDataSchema = z.object({
  ...IssueCoreFields,
  labels: z.array(Named).optional(),
  state: z.object({ name: z.string(), type: z.string() }),
  cycle: CycleSchema.nullable().optional(),
  teamId: z.string(),
  team: z.object({ id: z.string(), key: z.string() }).nullable().optional(),
  project: Named.nullable().optional(),
  projectMilestone: Named.nullable().optional(),
  assigneeId: z.string().nullable().optional(),
});

/** CommentWebhookPayload: the issue it belongs to, when it is an issue comment. */
export const CommentWebhookDataSchema = z.object({
  id: z.string(),
  issueId: z.string().nullable().optional(),
  issue: z
    .object({ id: z.string(), identifier: z.string(), teamId: z.string(), team: z.object({ key: z.string() }).optional() })
    .nullable()
    .optional(),
});
