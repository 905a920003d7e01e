/**
 * Linear issue → the shared `Issue`, through one builder (`linearIssue`) for
 * both inputs: the GraphQL node the sync reads, and the webhook's `data`
 * (IssueWebhookPayload), which has flat ids, inline labels, no comments and a
 * cycle without the isActive/isNext flags.
 */
import type { NotCarriedField } from "../../domain/not-carried";
import type { Issue, Iteration, StateCategory } from "../../domain/types";
import type { LinearCycle, LinearIssueNode } from "./schema";
import type { z } from "zod";
import type { IssueWebhookDataSchema } from "./schema";

/** Linear workflow state type → normalized category. */
export const STATE_TYPE_CATEGORY: Record<string, StateCategory> = {
  triage: "backlog",
  backlog: "backlog",
  unstarted: "todo",
  started: "in_progress",
  completed: "done",
  canceled: "canceled",
  duplicate: "canceled",
};

export function stateCategory(type: string): StateCategory {
  return STATE_TYPE_CATEGORY[type] ?? "todo";
}

/**
 * Cycle → iteration. The GraphQL node carries Linear's own flags; a webhook
 * cycle only has dates, so it is placed by `now`: running → active, ended →
 * closed, not started → future (the webhook cannot tell "next" from "future";
 * the next sync corrects it).
 *
 * @example
 * cycleIteration({ id: "c", number: 7, startsAt, endsAt, isNext: true }, Date.now()).state; // "next"
 */
export function cycleIteration(c: LinearCycle, now: number): Iteration {
  let state: Iteration["state"];
  if (c.isActive) state = "active";
  else if (c.isNext) state = "next";
  else if (c.isFuture) state = "future";
  else if (c.isPast) state = "closed";
  else {
    const start = Date.parse(c.startsAt);
    const end = Date.parse(c.endsAt);
    state = now < start ? "future" : now >= end ? "closed" : "active";
  }
  return { kind: "cycle", id: c.id, name: c.name || `Cycle ${c.number}`, state, startsAt: c.startsAt, endsAt: c.endsAt };
}

/**
 * Total reactions from `reactionData` (a JSON list of emoji groups). Tolerant:
 * a group may carry `count`, or a list of `reactions`/`userIds`/`users`.
 */
export function reactionCount(data: unknown): number {
  if (!Array.isArray(data)) return 0;
  let n = 0;
  for (const g of data) {
    if (!g || typeof g !== "object") continue;
    const o = g as Record<string, unknown>;
    if (typeof o.count === "number" && o.count >= 0) n += Math.floor(o.count);
    else
      for (const k of ["reactions", "userIds", "users"])
        if (Array.isArray(o[k])) {
          n += (o[k] as unknown[]).length;
          break;
        }
  }
  return n;
}

function customFields(n: { project?: { name: string } | null; projectMilestone?: { name: string } | null }): Issue["customFields"] {
  const out: Issue["customFields"] = {};
  if (n.project) out.Project = n.project.name;
  if (n.projectMilestone) out["Project milestone"] = n.projectMilestone.name;
  return out;
}

export type IssueWebhookData = z.infer<typeof IssueWebhookDataSchema>;

/**
 * Where a Linear issue comes from: a GraphQL node (sync or `getIssue`; `labelNames`
 * resolves `labelIds` through the sync's dictionary) or a webhook's `data`
 * (IssueWebhookPayload: flat ids, inline labels, a cycle without flags, no comments).
 */
export type LinearIssueSource =
  | { from: "graphql"; node: LinearIssueNode; labelNames?: (id: string) => string | undefined }
  | { from: "webhook"; data: IssueWebhookData };

export interface BuiltIssue {
  issue: Issue;
  /** Fields the source does not carry: the pipeline keeps their stored values (domain/not-carried.ts). */
  notCarried: NotCarriedField[];
}

/**
 * The one Linear issue builder, for both sources, so a webhook and a sync of the
 * same tracker state give the same issue (and content hash) once the fields the
 * webhook lacks are taken from the stored copy.
 *
 * @example
 * const { issue, notCarried } = linearIssue({ from: "webhook", data }, Date.now()); // notCarried: ["commentCount", "iteration"?]
 */
export function linearIssue(src: LinearIssueSource, now: number): BuiltIssue {
  const notCarried: NotCarriedField[] = [];
  let labels: string[];
  let teamKey: string | null;
  let assignee: string | null;
  let commentCount = 0;
  // Evidence only where the node selected it (the sync page); webhook payloads leave the stored evidence as it is.
  let evidence: Pick<Issue, "startedAt" | "customerRequests"> | null = null;
  const n = src.from === "graphql" ? src.node : src.data;
  if (src.from === "graphql") {
    const node = src.node;
    if (node.needs) {
      evidence = {
        startedAt: node.startedAt ?? null,
        customerRequests: node.needs.nodes.map((x) => ({
          customer: x.customer?.name ?? null,
          revenue: x.customer?.revenue ?? null,
          size: x.customer?.size ?? null,
          tier: x.customer?.tier?.name ?? null,
          important: (x.priority ?? 0) >= 1,
          createdAt: x.createdAt ?? null,
        })),
      };
    }
    labels = node.labels
      ? node.labels.nodes.map((l) => l.name)
      : node.labelIds.map((id) => src.labelNames?.(id)).filter((x): x is string => typeof x === "string");
    teamKey = node.team.key;
    assignee = node.assignee?.id ?? null;
    if (node.comments) commentCount = node.comments.nodes.length;
    else notCarried.push("commentCount");
  } else {
    const d = src.data;
    labels = (d.labels ?? []).map((l) => l.name);
    teamKey = d.team?.key ?? d.identifier.split("-")[0] ?? null;
    assignee = d.assigneeId ?? null;
    // A webhook payload carries neither the comment count nor the customer requests (and the start time, here).
    notCarried.push("commentCount", "startedAt", "customerRequests");
  }
  // A cycle without Linear's flags (a webhook's) is placed by dates, which cannot tell "next" from "future".
  if (n.cycle && n.cycle.isActive === undefined && n.cycle.isNext === undefined) notCarried.push("iteration");
  const issue: Issue = {
    tracker: "linear",
    externalId: n.id,
    key: n.identifier,
    url: n.url ?? null,
    title: n.title,
    body: n.description ?? "",
    labels,
    type: null,
    components: [],
    state: n.state.name,
    stateCategory: stateCategory(n.state.type),
    priority: n.priority,
    priorityName: n.priorityLabel ?? null,
    estimate: n.estimate ?? null,
    iteration: n.cycle ? cycleIteration(n.cycle, now) : null,
    project: teamKey,
    assignees: assignee ? [assignee] : [],
    reactions: reactionCount(n.reactionData),
    commentCount,
    duplicateCount: 0,
    customFields: customFields(n),
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    closedAt: n.completedAt ?? n.canceledAt ?? null,
    ...(evidence ?? {}),
  };
  return { issue, notCarried };
}
