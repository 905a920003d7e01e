/**
 * How the sandbox's entities look through GraphQL (`Issue`, `Comment`,
 * `IssueLabel`… as objects whose connection fields are resolvers) and through
 * webhooks (IssueWebhookPayload & co: flat ids, inline child objects).
 * Also Relay connections and Linear's filter semantics for the subset of
 * comparators the sandbox supports.
 */
import type { Args } from "./graphql";
import { PRIORITY_LABELS, SANDBOX_CUSTOMERS, type LComment, type LIssue, type LLabel, type LNeed, type LinearWorkspace } from "./state";

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const b64 = (s: string) => btoa(s);
const unb64 = (s: string) => {
  try {
    return atob(s);
  } catch {
    return "";
  }
};

export class GraphqlUserError extends Error {
  constructor(
    message: string,
    readonly code = "INVALID_INPUT",
    readonly type = "invalid input",
  ) {
    super(message);
  }
}

/** A Relay connection over an ordered list; the cursor is the base64 of the item id. */
export function connection<T extends { id: string }>(items: T[], args: Args, view: (t: T) => unknown, max = 250) {
  const first = Math.min(typeof args.first === "number" ? args.first : 50, max);
  let start = 0;
  if (typeof args.after === "string") {
    const id = unb64(args.after);
    const at = items.findIndex((x) => x.id === id);
    start = at >= 0 ? at + 1 : items.length;
  }
  const slice = items.slice(start, start + first);
  return {
    nodes: slice.map(view),
    edges: slice.map((x) => ({ node: view(x), cursor: b64(x.id) })),
    pageInfo: {
      hasNextPage: start + first < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice[0] ? b64(slice[0].id) : null,
      endCursor: slice.length ? b64(slice[slice.length - 1]!.id) : null,
    },
  };
}

/** Linear's filter semantics for the comparators the sandbox needs (eq, neq, in, nin, gt/gte/lt/lte, null, eqIgnoreCase, containsIgnoreCase, and/or, nested). */
export function matches(view: Record<string, unknown>, filter: unknown): boolean {
  if (!filter || typeof filter !== "object") return true;
  for (const [k, cond] of Object.entries(filter as Record<string, unknown>)) {
    if (cond === null || cond === undefined) continue;
    if (k === "and" && Array.isArray(cond)) {
      if (!cond.every((f) => matches(view, f))) return false;
    } else if (k === "or" && Array.isArray(cond)) {
      if (!cond.some((f) => matches(view, f))) return false;
    } else if (!compare(view[k], cond as Record<string, unknown>)) return false;
  }
  return true;
}

function norm(v: unknown, like: unknown): unknown {
  return typeof like === "number" && typeof v === "string" ? Date.parse(v) : v;
}

function compare(v: unknown, cond: Record<string, unknown>): boolean {
  for (const [op, arg] of Object.entries(cond)) {
    if (arg === undefined) continue;
    const a = norm(arg, v);
    switch (op) {
      case "eq":
        if (v !== a) return false;
        break;
      case "neq":
        if (v === a) return false;
        break;
      case "in":
        if (!Array.isArray(arg) || !arg.map((x) => norm(x, v)).includes(v)) return false;
        break;
      case "nin":
        if (Array.isArray(arg) && arg.map((x) => norm(x, v)).includes(v)) return false;
        break;
      case "gt":
        if (!((v as number) > (a as number))) return false;
        break;
      case "gte":
        if (!((v as number) >= (a as number))) return false;
        break;
      case "lt":
        if (!((v as number) < (a as number))) return false;
        break;
      case "lte":
        if (!((v as number) <= (a as number))) return false;
        break;
      case "null":
        if ((v === null || v === undefined) !== Boolean(arg)) return false;
        break;
      case "eqIgnoreCase":
        if (String(v).toLowerCase() !== String(arg).toLowerCase()) return false;
        break;
      case "containsIgnoreCase":
        if (!String(v).toLowerCase().includes(String(arg).toLowerCase())) return false;
        break;
      default:
        if (v === null || v === undefined || typeof v !== "object") return false;
        if (!matches(v as Record<string, unknown>, { [op]: arg })) return false;
    }
  }
  return true;
}

export function issueFilterView(ws: LinearWorkspace, i: LIssue): Record<string, unknown> {
  const team = ws.team(i.teamId);
  return {
    id: i.id,
    team: { id: team.id, key: team.key, name: team.name },
    updatedAt: i.updatedAt,
    createdAt: i.createdAt,
    priority: i.priority,
    number: i.number,
    title: i.title,
    labels: undefined,
    // IssueFilter.needs is a CustomerNeedCollectionFilter: `length` compares the number of needs.
    needs: i.needs ?? [],
  };
}

export function labelFilterView(l: LLabel): Record<string, unknown> {
  return { id: l.id, name: l.name, team: l.teamId ? { id: l.teamId } : null, createdAt: l.createdAt, updatedAt: l.updatedAt, isGroup: false };
}

export function labelView(ws: LinearWorkspace, l: LLabel) {
  return {
    __typename: "IssueLabel",
    id: l.id,
    name: l.name,
    color: l.color,
    description: l.description,
    isGroup: false,
    createdAt: iso(l.createdAt),
    updatedAt: iso(l.updatedAt),
    team: () => (l.teamId ? teamView(ws, l.teamId) : null),
  };
}

export function teamView(ws: LinearWorkspace, teamId: string) {
  const t = ws.team(teamId);
  return { __typename: "Team", id: t.id, key: t.key, name: t.name };
}

export function userView(ws: LinearWorkspace, userId: string | null) {
  const u = ws.users.find((x) => x.id === userId);
  return u ? { __typename: "User", id: u.id, name: u.name, email: u.email, displayName: u.displayName, active: true } : null;
}

export function commentView(ws: LinearWorkspace, c: LComment) {
  return {
    __typename: "Comment",
    id: c.id,
    body: c.body,
    issueId: c.issueId,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    user: () => userView(ws, c.userId),
    issue: () => {
      const i = ws.issues.get(c.issueId);
      return i ? issueView(ws, i) : null;
    },
  };
}

function cycleView(ws: LinearWorkspace, id: string | null) {
  const c = ws.cycles.find((x) => x.id === id);
  if (!c) return null;
  return { __typename: "Cycle", id: c.id, number: c.number, name: c.name, startsAt: iso(c.startsAt), endsAt: iso(c.endsAt), ...ws.cycleFlags(c) };
}

export function reactionData(i: LIssue) {
  return i.reactions.map((r) => ({ emoji: r.emoji, reactions: r.userIds.map((userId) => ({ userId })) }));
}

export function issueUrl(ws: LinearWorkspace, i: LIssue): string {
  const slug = i.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);
  return `https://linear.app/${ws.org.urlKey}/issue/${ws.identifier(i)}/${slug}`;
}

/** An Issue as GraphQL sees it. `broken` corrupts one field (the malformed fault). */
export function issueView(ws: LinearWorkspace, i: LIssue, broken = false) {
  const state = ws.states.find((s) => s.id === i.stateId)!;
  const project = i.projectId ? (ws.projects.get(i.projectId) ?? null) : null;
  const milestone = i.milestoneId ? (ws.milestones.get(i.milestoneId) ?? null) : null;
  return {
    __typename: "Issue",
    id: i.id,
    identifier: ws.identifier(i),
    number: i.number,
    url: issueUrl(ws, i),
    title: i.title,
    description: i.description,
    priority: broken ? "urgent!" : i.priority,
    priorityLabel: PRIORITY_LABELS[i.priority] ?? "No priority",
    estimate: i.estimate,
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
    completedAt: iso(i.completedAt),
    canceledAt: iso(i.canceledAt),
    archivedAt: null,
    reactionData: reactionData(i),
    labelIds: [...i.labelIds],
    state: { __typename: "WorkflowState", id: state.id, name: state.name, type: state.type, color: state.color },
    cycle: () => cycleView(ws, i.cycleId),
    team: () => teamView(ws, i.teamId),
    project: project ? { __typename: "Project", id: project.id, name: project.name } : null,
    projectMilestone: milestone ? { __typename: "ProjectMilestone", id: milestone.id, name: milestone.name } : null,
    assignee: () => userView(ws, i.assigneeId),
    labels: (args: Args) =>
      connection(
        i.labelIds.map((id) => ws.labels.get(id)).filter((l): l is LLabel => !!l),
        args,
        (l) => labelView(ws, l),
      ),
    comments: (args: Args) => connection(ws.commentsOf(i.id), args, (c) => commentView(ws, c)),
    startedAt: iso(i.startedAt ?? null),
    needs: (args: Args) => connection(i.needs ?? [], args, (n) => needView(n)),
  };
}

/** A CustomerNeed with its Customer and CustomerTier, in Linear's wire shape (revenue Int, size Float, priority 0/1 Float). */
function needView(n: LNeed) {
  const c = SANDBOX_CUSTOMERS.find((x) => x.id === n.customerId) ?? null;
  return {
    __typename: "CustomerNeed",
    id: n.id,
    priority: n.priority,
    createdAt: iso(n.createdAt),
    customer: c
      ? {
          __typename: "Customer",
          id: c.id,
          name: c.name,
          revenue: c.revenue,
          size: c.size,
          tier: c.tier ? { __typename: "CustomerTier", id: `tier-${c.tier}`, name: c.tier, displayName: c.tier } : null,
        }
      : null,
  };
}

// --- webhook payload data (IssueWebhookPayload, CommentWebhookPayload, IssueLabelWebhookPayload) ---

export function issueWebhookData(ws: LinearWorkspace, i: LIssue) {
  const state = ws.states.find((s) => s.id === i.stateId)!;
  const team = ws.team(i.teamId);
  const cycle = ws.cycles.find((c) => c.id === i.cycleId);
  const project = i.projectId ? ws.projects.get(i.projectId) : undefined;
  const labels = i.labelIds.map((id) => ws.labels.get(id)).filter((l): l is LLabel => !!l);
  return {
    id: i.id,
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
    number: i.number,
    identifier: ws.identifier(i),
    title: i.title,
    description: i.description,
    priority: i.priority,
    priorityLabel: PRIORITY_LABELS[i.priority],
    estimate: i.estimate,
    sortOrder: -i.number,
    prioritySortOrder: 0,
    completedAt: iso(i.completedAt),
    canceledAt: iso(i.canceledAt),
    teamId: team.id,
    team: { id: team.id, key: team.key, name: team.name },
    stateId: state.id,
    state: { id: state.id, name: state.name, type: state.type, color: state.color },
    cycleId: cycle?.id ?? null,
    cycle: cycle ? { id: cycle.id, number: cycle.number, name: cycle.name, startsAt: iso(cycle.startsAt), endsAt: iso(cycle.endsAt) } : null,
    projectId: project?.id ?? null,
    project: project ? { id: project.id, name: project.name, url: `https://linear.app/${ws.org.urlKey}/project/${project.id}` } : null,
    assigneeId: i.assigneeId,
    labelIds: [...i.labelIds],
    labels: labels.map((l) => ({ id: l.id, name: l.name, color: l.color, parentId: null })),
    subscriberIds: [],
    previousIdentifiers: [],
    reactionData: reactionData(i),
    url: issueUrl(ws, i),
  };
}

export function commentWebhookData(ws: LinearWorkspace, c: LComment) {
  const i = ws.issues.get(c.issueId);
  const team = i ? ws.team(i.teamId) : null;
  return {
    id: c.id,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    body: c.body,
    issueId: c.issueId,
    issue:
      i && team
        ? {
            id: i.id,
            identifier: ws.identifier(i),
            title: i.title,
            teamId: team.id,
            team: { id: team.id, key: team.key, name: team.name },
            url: issueUrl(ws, i),
          }
        : null,
    userId: c.userId,
    reactionData: [],
  };
}

export function labelWebhookData(l: LLabel) {
  return {
    id: l.id,
    name: l.name,
    color: l.color,
    description: l.description,
    teamId: l.teamId,
    isGroup: false,
    createdAt: iso(l.createdAt),
    updatedAt: iso(l.updatedAt),
  };
}
