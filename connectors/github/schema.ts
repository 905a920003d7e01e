/**
 * Zod schemas for GitHub's wire JSON (REST v3 and webhook payloads, which
 * share the issue shape), transforming into our types at the boundary.
 * Field names follow `@octokit/openapi-types` (`components["schemas"]["issue"]`).
 *
 * @example
 * const issue = GithubIssueSchema.parse(json); // → Issue
 */
import { z } from "zod";
import type { Issue, Iteration } from "../../domain/types";

const UserSchema = z.looseObject({ login: z.string(), id: z.number() });

/** Issue labels come as objects, or as bare names in some older payloads. */
const IssueLabelSchema = z.union([z.string(), z.looseObject({ name: z.string() })]).transform((l) => (typeof l === "string" ? l : l.name));

const MilestoneSchema = z.looseObject({
  id: z.number(),
  number: z.number(),
  title: z.string(),
  state: z.enum(["open", "closed"]),
  due_on: z.string().nullable().optional(),
  created_at: z.string().optional(),
  closed_at: z.string().nullable().optional(),
});

/** The repository full name from an issue's `repository_url` (`…/repos/{owner}/{repo}`). */
export function repoFromUrl(url: string): string | null {
  const m = /\/repos\/([^/]+\/[^/?#]+)/.exec(url);
  return m ? decodeURIComponent(m[1]!) : null;
}

/**
 * Priority from labels, on Linear's scale (1 urgent … 4 low). Understands
 * `priority: high`, `priority/critical`, `P1`, `p0-urgent`, `prio: low`.
 */
export function priorityFromLabels(labels: string[]): { priority: number | null; name: string | null } {
  const words: Record<string, number> = {
    urgent: 1,
    critical: 1,
    blocker: 1,
    highest: 1,
    high: 2,
    medium: 3,
    normal: 3,
    moderate: 3,
    low: 4,
    lowest: 4,
    minor: 4,
    trivial: 4,
  };
  const pScale = [1, 2, 3, 4, 4];
  for (const label of labels) {
    const l = label.trim().toLowerCase();
    const named = /^(?:priority|prio|pri)\s*[:/\-_ ]\s*(?:p(\d)\b\s*[-:]?\s*)?([a-z]+)?$/.exec(l);
    if (named) {
      if (named[1] !== undefined) return { priority: pScale[Number(named[1])] ?? null, name: label };
      if (named[2] && words[named[2]] !== undefined) return { priority: words[named[2]]!, name: label };
    }
    const p = /^p([0-4])(?:\b|[-: ].*)$/.exec(l);
    if (p) return { priority: pScale[Number(p[1])]!, name: label };
  }
  return { priority: null, name: null };
}

function stateCategory(state: "open" | "closed", reason: string | null | undefined): Issue["stateCategory"] {
  if (state === "open") return "todo";
  return reason === "not_planned" || reason === "duplicate" ? "canceled" : "done";
}

function milestoneIteration(m: z.infer<typeof MilestoneSchema> | null | undefined): Iteration | null {
  if (!m) return null;
  return {
    kind: "milestone",
    id: String(m.id),
    name: m.title,
    state: m.state === "open" ? "active" : "closed",
    startsAt: m.created_at ?? null,
    endsAt: m.due_on ?? null,
  };
}

/** The raw issue as GitHub sends it (REST list/get, and webhook `issue`). */
export const GithubIssueWireSchema = z.looseObject({
  id: z.number(),
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullable().optional(),
  html_url: z.string(),
  repository_url: z.string(),
  state: z.enum(["open", "closed"]),
  state_reason: z.string().nullable().optional(),
  labels: z.array(IssueLabelSchema),
  assignees: z.array(UserSchema).nullable().optional(),
  milestone: MilestoneSchema.nullable().optional(),
  comments: z.number().int().nonnegative(),
  reactions: z.looseObject({ total_count: z.number().int().nonnegative() }).optional(),
  type: z.looseObject({ name: z.string() }).nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable().optional(),
  pull_request: z.unknown().optional(),
});
export type GithubIssueWire = z.infer<typeof GithubIssueWireSchema>;

/** Wire issue → normalized `Issue`. */
export function toIssue(w: GithubIssueWire): Issue {
  const repo = repoFromUrl(w.repository_url);
  const { priority, name } = priorityFromLabels(w.labels);
  return {
    tracker: "github",
    externalId: String(w.id),
    key: `${repo ?? "unknown"}#${w.number}`,
    url: w.html_url,
    title: w.title,
    body: w.body ?? "",
    labels: w.labels,
    type: w.type?.name ?? null,
    components: [],
    state: w.state,
    stateCategory: stateCategory(w.state, w.state_reason),
    priority,
    priorityName: name,
    estimate: null,
    iteration: milestoneIteration(w.milestone),
    project: repo,
    assignees: (w.assignees ?? []).map((a) => a.login),
    reactions: w.reactions?.total_count ?? 0,
    // `state_reason: "reopened"` marks an open issue that was closed before (the count of reopens needs the timeline: one request per issue).
    reopenedCount: w.state === "open" && w.state_reason === "reopened" ? 1 : 0,
    commentCount: w.comments,
    duplicateCount: 0,
    customFields: {},
    createdAt: w.created_at,
    updatedAt: w.updated_at,
    closedAt: w.closed_at ?? null,
  };
}

export const GithubIssueSchema = GithubIssueWireSchema.transform(toIssue);

/** Just enough of an item to advance the sync cursor, even when the rest is broken. */
export const CursorMarkSchema = z.looseObject({ id: z.number(), updated_at: z.string(), pull_request: z.unknown().optional() });

export const LabelSchema = z.looseObject({
  id: z.number().optional(),
  name: z.string(),
  color: z.string().optional(),
  description: z.string().nullable().optional(),
});
export const LabelListSchema = z.array(LabelSchema);

export const CommentSchema = z.looseObject({
  id: z.number(),
  body: z.string().nullable().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export const CommentListSchema = z.array(CommentSchema);

export const InstallationTokenSchema = z.looseObject({
  token: z.string().min(1),
  expires_at: z.string(),
  permissions: z.record(z.string(), z.string()).optional(),
  repository_selection: z.string().optional(),
});

/** `POST /login/oauth/access_token` answers 200 even for errors, with an `error` field. */
export const OAuthErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().optional() });
export const OAuthTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  scope: z.string().optional().default(""),
  expires_in: z.coerce.number().optional(),
  refresh_token: z.string().optional(),
  refresh_token_expires_in: z.coerce.number().optional(),
});

const AccountSchema = z.looseObject({ login: z.string(), id: z.number(), html_url: z.string().optional() });

export const UserResponseSchema = AccountSchema;

export const RepositorySchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  owner: AccountSchema,
  html_url: z.string().optional(),
  private: z.boolean().optional(),
});

export const InstallationRepositoriesSchema = z.looseObject({
  total_count: z.number(),
  repositories: z.array(RepositorySchema),
});

export const UserInstallationsSchema = z.looseObject({
  total_count: z.number(),
  installations: z.array(z.looseObject({ id: z.number(), account: AccountSchema.nullable() })),
});

export const RepositoryListSchema = z.array(RepositorySchema);
