/**
 * Root fields the Linear sandbox answers: the queries and mutations the
 * connector sends, plus a few neighbours (team, comment). Each is a resolver
 * returning view objects that `project` shapes by the selection set.
 *
 * `issues(orderBy: updatedAt)` returns the most recently updated first, as
 * Linear's docs describe, with a keyset cursor (updatedAt, id), so an issue
 * updated during a sync does not shift the pages.
 */
import type { Args } from "./graphql";
import { normalizeMarkdown, type LIssue, type LinearWorkspace } from "./state";
import {
  GraphqlUserError,
  commentView,
  commentWebhookData,
  connection,
  issueFilterView,
  issueView,
  issueWebhookData,
  labelFilterView,
  labelView,
  labelWebhookData,
  matches,
  teamView,
  userView,
} from "./views";

export type Emit = (
  type: "Issue" | "Comment" | "IssueLabel",
  action: "create" | "update" | "remove",
  data: unknown,
  updatedFrom?: Record<string, unknown>,
) => void;

export interface ApiContext {
  ws: LinearWorkspace;
  emit: Emit;
  /** Corrupt one node of the next issue list (malformed fault). */
  breakOne: boolean;
  /** Max page size (Linear: 250). */
  maxPage: number;
}

const enc = (u: number, id: string) => btoa(JSON.stringify([u, id]));
function dec(s: string): [number, string] | null {
  try {
    const v = JSON.parse(atob(s)) as unknown;
    return Array.isArray(v) && typeof v[0] === "number" && typeof v[1] === "string" ? [v[0], v[1]] : null;
  } catch {
    return null;
  }
}

function issuesQuery(ctx: ApiContext, args: Args) {
  const { ws } = ctx;
  const first = Math.min(typeof args.first === "number" ? args.first : 50, ctx.maxPage);
  if (typeof args.first === "number" && args.first > ctx.maxPage) throw new GraphqlUserError(`first must be ≤ ${ctx.maxPage}`);
  const byUpdated = args.orderBy === "updatedAt";
  const key = (i: LIssue) => (byUpdated ? i.updatedAt : i.createdAt);
  const f = args.filter as { team?: { id?: { eq?: unknown } }; id?: { in?: unknown } } | undefined;
  const teamEq = f?.team?.id?.eq;
  const idIn = Array.isArray(f?.id?.in) ? (f.id.in as unknown[]) : null;
  const candidates = idIn
    ? idIn.map((id) => (typeof id === "string" ? ws.issues.get(id) : undefined)).filter((i): i is LIssue => !!i)
    : typeof teamEq === "string"
      ? (ws.issuesByTeam.get(teamEq) ?? [])
      : [...ws.issues.values()];
  let list = candidates.filter((i) => matches(issueFilterView(ws, i), args.filter));
  // Most recent first; ties broken by id (descending) so the order is total.
  list.sort((a, b) => key(b) - key(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  if (typeof args.after === "string") {
    const c = dec(args.after);
    if (!c) throw new GraphqlUserError("Invalid cursor");
    const [u, id] = c;
    list = list.filter((i) => key(i) < u || (key(i) === u && i.id < id));
  }
  const page = list.slice(0, first);
  const brokenAt = ctx.breakOne && page.length ? Math.floor(page.length / 2) : -1;
  if (brokenAt >= 0) ctx.breakOne = false;
  const views = page.map((i, k) => issueView(ws, i, k === brokenAt));
  const last = page[page.length - 1];
  return {
    nodes: views,
    edges: page.map((i, k) => ({ node: views[k], cursor: enc(key(i), i.id) })),
    pageInfo: {
      hasNextPage: list.length > first,
      hasPreviousPage: typeof args.after === "string",
      startCursor: page[0] ? enc(key(page[0]), page[0].id) : null,
      endCursor: last ? enc(key(last), last.id) : null,
    },
  };
}

function requireIssue(ws: LinearWorkspace, id: unknown): LIssue {
  const i = typeof id === "string" ? ws.findIssue(id) : undefined;
  if (!i) throw new GraphqlUserError("Entity not found: Issue - Could not find referenced Issue.", "INVALID_INPUT");
  return i;
}

export function queryRoot(ctx: ApiContext) {
  const { ws } = ctx;
  return {
    viewer: () => userView(ws, ws.viewer.id),
    organization: () => ({ __typename: "Organization", ...ws.org }),
    teams: (args: Args) =>
      connection(
        ws.teams.filter((t) => matches({ id: t.id, key: t.key, name: t.name }, args.filter)),
        args,
        (t) => teamView(ws, t.id),
      ),
    team: (args: Args) => teamView(ws, ws.team(String(args.id)).id),
    issues: (args: Args) => issuesQuery(ctx, args),
    issue: (args: Args) => issueView(ws, requireIssue(ws, args.id)),
    issueLabels: (args: Args) =>
      connection(
        [...ws.labels.values()].filter((l) => matches(labelFilterView(l), args.filter)),
        args,
        (l) => labelView(ws, l),
      ),
    comment: (args: Args) => {
      for (const list of ws.comments.values()) {
        const c = list.find((x) => x.id === args.id);
        if (c) return commentView(ws, c);
      }
      throw new GraphqlUserError("Entity not found: Comment");
    },
  };
}

const syncId = () => Math.floor(Date.now() / 1000);

export function mutationRoot(ctx: ApiContext) {
  const { ws, emit } = ctx;
  const findComment = (id: unknown) => {
    for (const list of ws.comments.values()) {
      const c = list.find((x) => x.id === id);
      if (c) return { c, list };
    }
    throw new GraphqlUserError("Entity not found: Comment - Could not find referenced Comment.");
  };
  return {
    issueLabelCreate: (args: Args) => {
      const input = (args.input ?? {}) as { name: string; color?: string; description?: string; teamId?: string };
      const teamId = input.teamId ?? null;
      if (teamId && !ws.teams.some((t) => t.id === teamId)) throw new GraphqlUserError("Entity not found: Team");
      const clash = [...ws.labels.values()].some(
        (l) => l.name.toLowerCase() === input.name.toLowerCase() && (l.teamId === teamId || l.teamId === null || teamId === null),
      );
      if (clash) throw new GraphqlUserError("duplicate label name", "INVALID_INPUT");
      const l = ws.createLabel({ name: input.name, color: input.color, description: input.description ?? null, teamId });
      emit("IssueLabel", "create", labelWebhookData(l));
      return { success: true, lastSyncId: syncId(), issueLabel: labelView(ws, l) };
    },
    issueUpdate: (args: Args) => {
      const i = requireIssue(ws, args.id);
      const input = (args.input ?? {}) as Record<string, unknown>;
      const before = { labelIds: [...i.labelIds], title: i.title, updatedAt: new Date(i.updatedAt).toISOString() };
      const validLabel = (id: string) => {
        const l = ws.labels.get(id);
        if (!l || (l.teamId !== null && l.teamId !== i.teamId)) throw new GraphqlUserError(`Entity not found: IssueLabel ${id}`);
        return id;
      };
      if (Array.isArray(input.labelIds)) i.labelIds = (input.labelIds as string[]).map(validLabel);
      for (const id of (input.addedLabelIds as string[] | undefined) ?? []) if (!i.labelIds.includes(validLabel(id))) i.labelIds.push(id);
      const removed = new Set((input.removedLabelIds as string[] | undefined) ?? []);
      i.labelIds = i.labelIds.filter((id) => !removed.has(id));
      if (typeof input.title === "string") i.title = input.title;
      if (typeof input.description === "string") i.description = input.description;
      if (typeof input.priority === "number") i.priority = input.priority;
      if (typeof input.estimate === "number") i.estimate = input.estimate;
      i.updatedAt = ws.stamp();
      emit("Issue", "update", issueWebhookData(ws, i), before);
      return { success: true, lastSyncId: syncId(), issue: issueView(ws, i) };
    },
    commentCreate: (args: Args) => {
      const input = (args.input ?? {}) as { issueId?: string; body?: string };
      const i = requireIssue(ws, input.issueId);
      const t = ws.stamp();
      const c = { id: ws.newId(), issueId: i.id, body: normalizeMarkdown(input.body ?? ""), userId: ws.viewer.id, createdAt: t, updatedAt: t };
      const list = ws.comments.get(i.id) ?? [];
      list.push(c);
      ws.comments.set(i.id, list);
      emit("Comment", "create", commentWebhookData(ws, c));
      return { success: true, lastSyncId: syncId(), comment: commentView(ws, c) };
    },
    commentUpdate: (args: Args) => {
      const { c } = findComment(args.id);
      const input = (args.input ?? {}) as { body?: string };
      const before = { body: c.body, updatedAt: new Date(c.updatedAt).toISOString() };
      if (typeof input.body === "string") c.body = normalizeMarkdown(input.body);
      c.updatedAt = ws.stamp();
      emit("Comment", "update", commentWebhookData(ws, c), before);
      return { success: true, lastSyncId: syncId(), comment: commentView(ws, c) };
    },
    commentDelete: (args: Args) => {
      const { c, list } = findComment(args.id);
      list.splice(list.indexOf(c), 1);
      emit("Comment", "remove", commentWebhookData(ws, c));
      return { success: true, lastSyncId: syncId(), entityId: c.id };
    },
  };
}
