/**
 * Jira issue (REST v3 with an explicit field list) → our `Issue`.
 *
 * @example
 * const issue = normalizeIssue(raw, fieldMap);
 * issue.priority; // "High" → 2 (Linear's scale)
 */
import { IssueSchema, type Issue, type Iteration, type StateCategory } from "../../domain/types";
import { adfToText } from "./adf";
import type { FieldMap } from "./fields";
import { parseJiraTime } from "./jql";
import { SprintValueSchema, type RawIssue } from "./schema";

const PRIORITY: Record<string, number> = {
  highest: 1,
  blocker: 1,
  critical: 1,
  high: 2,
  major: 2,
  medium: 3,
  normal: 3,
  low: 4,
  minor: 4,
  lowest: 4,
  trivial: 4,
};
const CANCELED = /cancel|won'?t|declin|reject|duplicate|invalid|obsolete/i;

function iso(s: string | null | undefined): string | null {
  if (!s) return null;
  const ms = parseJiraTime(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function stateCategory(key: string, statusName: string, resolution: string | null): StateCategory {
  if (key === "done") return CANCELED.test(statusName) || (resolution && CANCELED.test(resolution)) ? "canceled" : "done";
  if (key === "indeterminate") return "in_progress";
  return /backlog/i.test(statusName) ? "backlog" : "todo";
}

/** The sprint an issue is in: the active one, else the next future one, else the latest closed one. */
export function pickSprint(value: unknown): Iteration | null {
  if (!Array.isArray(value)) return null;
  const sprints = value.flatMap((v) => {
    const r = SprintValueSchema.safeParse(v);
    return r.success ? [r.data] : [];
  });
  const rank = (s: string) => (s === "active" ? 0 : s === "future" ? 1 : 2);
  const start = (s: { startDate?: string }) => (s.startDate ? Date.parse(s.startDate) : Number.MAX_SAFE_INTEGER);
  sprints.sort((a, b) => rank(a.state.toLowerCase()) - rank(b.state.toLowerCase()) || (a.state === "closed" ? start(b) - start(a) : start(a) - start(b)));
  const s = sprints[0];
  if (!s) return null;
  const st = s.state.toLowerCase();
  return {
    kind: "sprint",
    id: String(s.id),
    name: s.name,
    state: st === "active" ? "active" : st === "future" ? "future" : "closed",
    startsAt: iso(s.startDate),
    endsAt: iso(s.endDate),
  };
}

/**
 * Carry-overs from the sprint field, which lists every sprint the issue was in:
 * each closed sprint it outlived. A done issue finished in its latest closed
 * sprint (unless it sits in an active or future one), so that one is not a carry.
 */
export function sprintCarries(value: unknown, done: boolean): number {
  if (!Array.isArray(value)) return 0;
  const states = value.flatMap((v) => {
    const r = SprintValueSchema.safeParse(v);
    return r.success ? [r.data.state.toLowerCase()] : [];
  });
  const closed = states.filter((s) => s === "closed").length;
  const current = states.some((s) => s === "active" || s === "future");
  return Math.max(0, closed - (done && !current ? 1 : 0));
}

function customValue(v: unknown): string | number | boolean | null | string[] {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === "object" && "name" in x ? String((x as { name: unknown }).name) : String(x)));
  if (typeof v === "object" && "value" in v) return String((v as { value: unknown }).value);
  if (typeof v === "object" && "name" in v) return String((v as { name: unknown }).name);
  return null;
}

/** `siteUrl` (from `/serverInfo`) builds the browse link; without it, a site-style `self` link is used when present. */
export function normalizeIssue(raw: RawIssue, map: FieldMap, siteUrl: string | null = null): Issue {
  const f = raw.fields;
  const extra = f as Record<string, unknown>;
  const priorityName = f.priority?.name ?? null;
  const resolution = (extra.resolution as { name?: string } | null | undefined)?.name ?? null;
  let estimate: number | null = null;
  for (const id of map.storyPoints) {
    const v = extra[id];
    if (typeof v === "number" && v >= 0) {
      estimate = v;
      break;
    }
  }
  const customFields: Record<string, string | number | boolean | null | string[]> = {};
  for (const [id, name] of Object.entries(map.names)) {
    if (id === map.sprint) {
      const sprint = pickSprint(extra[id]);
      customFields[name] = sprint ? sprint.name : null;
    } else customFields[name] = customValue(extra[id]);
  }
  const self = raw.self ?? "";
  const url = siteUrl
    ? `${siteUrl.replace(/\/$/, "")}/browse/${raw.key}`
    : self && !self.includes("/ex/jira/") && self.includes("/rest/api/")
      ? `${new URL(self).origin}/browse/${raw.key}`
      : null;
  return IssueSchema.parse({
    tracker: "jira",
    externalId: raw.id,
    key: raw.key,
    url,
    title: f.summary,
    body: adfToText(f.description ?? null),
    labels: f.labels,
    type: f.issuetype?.name ?? null,
    components: f.components.map((c) => c.name),
    state: f.status.name,
    stateCategory: stateCategory(f.status.statusCategory.key, f.status.name, resolution),
    priority: priorityName ? (PRIORITY[priorityName.toLowerCase()] ?? null) : null,
    priorityName,
    estimate,
    iteration: map.sprint ? pickSprint(extra[map.sprint]) : null,
    project: f.project?.key ?? raw.key.replace(/-\d+$/, ""),
    assignees: f.assignee?.displayName ? [f.assignee.displayName] : [],
    reactions: f.votes?.votes ?? 0,
    watchers: f.watches?.watchCount ?? 0,
    // Classic Jira workflows have a "Reopened" status: at least one reopen (counting them all needs the changelog).
    reopenedCount: /reopen/i.test(f.status.name) ? 1 : 0,
    carriedOver: map.sprint ? sprintCarries(extra[map.sprint], resolution !== null || f.status.statusCategory.key === "done") : 0,
    commentCount: f.comment?.total ?? 0,
    customFields,
    createdAt: iso(f.created) ?? f.created,
    updatedAt: iso(f.updated) ?? f.updated,
    closedAt: iso(f.resolutiondate ?? null),
  });
}
