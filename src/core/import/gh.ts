/**
 * `gh issue list --json number,title,body,labels,state,milestone,assignees,createdAt,updatedAt,url,reactionGroups,comments`
 * output: a JSON array. Add `closedAt,stateReason` (and `--state all`) for the
 * flow evidence: close dates, and open issues that were reopened.
 */
import { z } from "zod";
import { IssueSchema, type Issue } from "../../../domain/types";
import { stateCategoryOf } from "./shared";

const GhIssueSchema = z
  .object({
    number: z.number().int(),
    title: z.string(),
    body: z.string().nullable().optional(),
    labels: z.array(z.object({ name: z.string() }).loose()).optional(),
    state: z.string().optional(),
    milestone: z
      .object({ number: z.number().optional(), title: z.string(), state: z.string().optional(), dueOn: z.string().nullable().optional() })
      .loose()
      .nullable()
      .optional(),
    assignees: z.array(z.object({ login: z.string() }).loose()).optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    closedAt: z.string().nullable().optional(),
    /** `gh` prints GitHub's state_reason in capitals: COMPLETED, NOT_PLANNED, REOPENED. */
    stateReason: z.string().nullable().optional(),
    url: z.string().optional(),
    reactionGroups: z.array(z.object({ content: z.string(), users: z.object({ totalCount: z.number() }).loose() }).loose()).optional(),
    comments: z.union([z.array(z.unknown()), z.object({ totalCount: z.number() }).loose()]).optional(),
  })
  .loose();

function repoOf(url: string | undefined): string | null {
  const m = url ? /github\.com\/([^/]+\/[^/]+)\/(issues|pull)\//.exec(url) : null;
  return m ? m[1]! : null;
}

/**
 * Parses `gh issue list --json ...` output.
 *
 * @example
 * parseGhIssues('[{"number":1,"title":"Crash","url":"https://github.com/o/r/issues/1"}]')[0].key // "o/r#1"
 */
export function parseGhIssues(text: string): Issue[] {
  const rows = z.array(GhIssueSchema).parse(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
  return rows.map((r) => {
    const repo = repoOf(r.url);
    const key = repo ? `${repo}#${r.number}` : `#${r.number}`;
    const open = (r.state ?? "OPEN").toUpperCase() === "OPEN";
    const reactions = (r.reactionGroups ?? []).reduce((n, g) => n + g.users.totalCount, 0);
    const comments = Array.isArray(r.comments) ? r.comments.length : (r.comments?.totalCount ?? 0);
    return IssueSchema.parse({
      tracker: "github",
      externalId: key,
      key,
      url: r.url ?? null,
      title: r.title,
      body: r.body ?? "",
      labels: (r.labels ?? []).map((l) => l.name),
      state: open ? "open" : "closed",
      stateCategory: open ? "todo" : stateCategoryOf("closed"),
      // gh does not export the milestone's own state; an open issue's milestone counts as the active one.
      iteration: r.milestone
        ? {
            kind: "milestone",
            id: String(r.milestone.number ?? r.milestone.title),
            name: r.milestone.title,
            state: (r.milestone.state ?? (open ? "OPEN" : "CLOSED")).toUpperCase() === "OPEN" ? "active" : "closed",
            endsAt: r.milestone.dueOn ?? null,
          }
        : null,
      project: repo,
      assignees: (r.assignees ?? []).map((a) => a.login),
      reactions,
      commentCount: comments,
      createdAt: r.createdAt ?? "",
      updatedAt: r.updatedAt ?? r.createdAt ?? "",
      closedAt: r.closedAt ?? null,
      reopenedCount: open && (r.stateReason ?? "").toUpperCase() === "REOPENED" ? 1 : 0,
    });
  });
}
