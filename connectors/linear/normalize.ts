/**
 * Linear issue → the shared `Issue`. Two inputs: the GraphQL node the sync
 * reads, and the webhook's `data` (IssueWebhookPayload), which has flat ids,
 * inline labels and a cycle without the isActive/isNext flags.
 */
import type { Issue, Iteration, StateCategory } from "../../src/core/types";
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
    else for (const k of ["reactions", "userIds", "users"]) if (Array.isArray(o[k])) {
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

/** GraphQL node → Issue. `labelNames` resolves `labelIds` (the sync's dictionary). */
export function issueFromNode(n: LinearIssueNode, labelNames: (id: string) => string | undefined, now: number): Issue {
  const labels = n.labels
    ? n.labels.nodes.map((l) => l.name)
    : n.labelIds.map((id) => labelNames(id)).filter((x): x is string => typeof x === "string");
  return {
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
    project: n.team.key,
    assignees: n.assignee ? [n.assignee.id] : [],
    reactions: reactionCount(n.reactionData),
    commentCount: n.comments?.nodes.length ?? 0,
    duplicateCount: 0,
    customFields: customFields(n),
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    closedAt: n.completedAt ?? n.canceledAt ?? null,
    // Evidence only where the node selected it (the sync page); webhook payloads leave the stored evidence as it is.
    ...(n.needs
      ? {
          startedAt: n.startedAt ?? null,
          customerRequests: n.needs.nodes.map((x) => ({
            customer: x.customer?.name ?? null,
            revenue: x.customer?.revenue ?? null,
            size: x.customer?.size ?? null,
            tier: x.customer?.tier?.name ?? null,
            important: (x.priority ?? 0) >= 1,
            createdAt: x.createdAt ?? null,
          })),
        }
      : {}),
  };
}

export type IssueWebhookData = z.infer<typeof IssueWebhookDataSchema>;

/**
 * Webhook `data` → Issue. Label names come inline (`labels`); the comment
 * count is not in the payload (0 here; the pipeline keeps its stored count
 * or re-fetches).
 */
export function issueFromWebhook(d: IssueWebhookData, now: number): Issue {
  return {
    tracker: "linear",
    externalId: d.id,
    key: d.identifier,
    url: d.url ?? null,
    title: d.title,
    body: d.description ?? "",
    labels: (d.labels ?? []).map((l) => l.name),
    type: null,
    components: [],
    state: d.state.name,
    stateCategory: stateCategory(d.state.type),
    priority: d.priority,
    priorityName: d.priorityLabel ?? null,
    estimate: d.estimate ?? null,
    iteration: d.cycle ? cycleIteration(d.cycle, now) : null,
    project: d.team?.key ?? d.identifier.split("-")[0] ?? null,
    assignees: d.assigneeId ? [d.assigneeId] : [],
    reactions: reactionCount(d.reactionData),
    commentCount: 0,
    duplicateCount: 0,
    customFields: customFields(d),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    closedAt: d.completedAt ?? d.canceledAt ?? null,
  };
}
