/**
 * Our JSONL shape (one issue per line, as in the labelled eval files):
 * `id` and `title` required; `body`, `labels`, `type`, `priority`, `estimate`,
 * `url`, `tracker` optional, and any of the Issue's state, flow and customer
 * fields (`state`, `stateCategory`, `closedAt`, `startedAt`, `iteration`,
 * `reopenedCount`, `carriedOver`, `watchers`, `customerRequests`, `links`...).
 * A row with `closedAt` and no state counts as done. A full `Issue` object is
 * accepted too. Tracker-shaped names are mapped (see `withAliases`): Linear
 * `customerNeeds` and `attachments`, Jira `votes`, `watchCount`, `resolutiondate`,
 * and an iteration history (`sprints`, `cycles` or `iterations`).
 */
import { z } from "zod";
import { IssueSchema, TrackerSchema, type Issue } from "../../../domain/types";
import { stateCategoryOf } from "./shared";

/** Issue fields a short JSONL row may carry as they are (state and flow, iteration, customer evidence). */
const PASS_THROUGH = [
  "state",
  "stateCategory",
  "closedAt",
  "startedAt",
  "iteration",
  "assignees",
  "duplicateCount",
  "reopenedCount",
  "carriedOver",
  "watchers",
  "customerRequests",
  "links",
  "project",
  "priorityName",
  "customFields",
] as const;

export const JsonlRowSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    title: z.string(),
    body: z.string().nullable().optional(),
    labels: z
      .array(z.union([z.string(), z.object({ name: z.string() }).transform((l) => l.name)]))
      .nullable()
      .optional(),
    type: z.string().nullable().optional(),
    priority: z.number().int().min(0).max(4).nullable().optional(),
    estimate: z.number().nonnegative().nullable().optional(),
    url: z.string().nullable().optional(),
    tracker: z.string().nullable().optional(),
    components: z.array(z.string()).optional(),
    reactions: z.number().int().nonnegative().optional(),
    commentCount: z.number().int().nonnegative().optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .loose();

/**
 * Converts one parsed JSONL object into an `Issue`. Throws a ZodError when
 * the row lacks `id`/`title` or has wrongly typed fields.
 *
 * @example
 * issueFromJsonl({ id: "acme#1", title: "Crash on save", labels: ["bug"] }).key // "acme#1"
 */
export function issueFromJsonl(input: unknown): Issue {
  const value = withAliases(input);
  if (value && typeof value === "object" && "externalId" in value && "key" in value) return IssueSchema.parse(value);
  const row = JsonlRowSchema.parse(value);
  const tracker = TrackerSchema.safeParse(row.tracker);
  // Flow and customer fields pass through as the Issue schema defines them.
  const extra: Record<string, unknown> = {};
  for (const k of PASS_THROUGH) if (row[k] !== undefined && row[k] !== null) extra[k] = row[k];
  if (typeof extra.state === "string" && extra.stateCategory === undefined) extra.stateCategory = stateCategoryOf(extra.state);
  if (extra.closedAt && extra.state === undefined && extra.stateCategory === undefined) {
    extra.state = "closed";
    extra.stateCategory = "done";
  }
  return IssueSchema.parse({
    ...extra,
    tracker: tracker.success ? tracker.data : "github",
    externalId: row.id,
    key: row.id,
    url: row.url ?? null,
    title: row.title,
    body: row.body ?? "",
    labels: row.labels ?? [],
    type: row.type ?? null,
    components: row.components ?? [],
    priority: row.priority ?? null,
    estimate: row.estimate ?? null,
    reactions: row.reactions ?? 0,
    commentCount: row.commentCount ?? 0,
    createdAt: row.createdAt ?? "",
    updatedAt: row.updatedAt ?? row.createdAt ?? "",
  });
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * Tracker-shaped names for the evidence fields, accepted as well as ours:
 * Linear `customerNeeds` (`{ priority, customer: { name, revenue, size, tier: { name } } }`)
 * and `attachments`, Jira `votes`/`watchCount`/`resolutiondate`, Linear `completedAt`.
 * Our own field wins when both are present.
 */
function withAliases(value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const v = { ...(value as Record<string, unknown>) };
  if (v.customerRequests === undefined && Array.isArray(v.customerNeeds)) {
    v.customerRequests = v.customerNeeds.map((n: unknown) => {
      const need = (n && typeof n === "object" ? n : {}) as Record<string, unknown>;
      const c = (need.customer && typeof need.customer === "object" ? need.customer : {}) as Record<string, unknown>;
      const tier = c.tier && typeof c.tier === "object" ? (c.tier as Record<string, unknown>).name : c.tier;
      return {
        customer: typeof c.name === "string" ? c.name : typeof need.customer === "string" ? need.customer : null,
        revenue: num(c.revenue),
        size: num(c.size),
        tier: typeof tier === "string" ? tier : null,
        important: num(need.priority) === 1 || need.important === true,
        createdAt: typeof need.createdAt === "string" ? need.createdAt : null,
      };
    });
  }
  if (v.links === undefined && Array.isArray(v.attachments))
    v.links = v.attachments.filter((a: unknown) => a && typeof (a as { url?: unknown }).url === "string");
  if (v.reactions === undefined && num(v.votes) !== null) v.reactions = Math.trunc(v.votes as number);
  if (v.watchers === undefined && num(v.watchCount) !== null) v.watchers = Math.trunc(v.watchCount as number);
  if (v.closedAt === undefined) v.closedAt = v.completedAt ?? v.resolvedAt ?? v.resolutiondate ?? undefined;
  // An iteration history (`sprints`, `cycles` or `iterations`: every one the issue was in) gives the current
  // iteration and the carry-overs: each closed one it outlived (a done issue finished in its last closed one).
  const history = [v.iterations, v.sprints, v.cycles].find(Array.isArray) as unknown[] | undefined;
  if (history && history.length > 0) {
    const its = history.flatMap((x) => {
      const o = (x && typeof x === "object" ? x : {}) as Record<string, unknown>;
      const state = String(o.state ?? "closed").toLowerCase();
      if (o.id === undefined && o.name === undefined) return [];
      return [
        {
          kind: (o.kind as string) ?? (v.sprints ? "sprint" : v.cycles ? "cycle" : "sprint"),
          id: String(o.id ?? o.name),
          name: String(o.name ?? o.id),
          state: state === "active" || state === "next" || state === "future" ? state : "closed",
          startsAt: (o.startsAt ?? o.startDate ?? null) as string | null,
          endsAt: (o.endsAt ?? o.endDate ?? null) as string | null,
        },
      ];
    });
    const done = v.closedAt !== undefined && v.closedAt !== null;
    const current = its.find((i) => i.state === "active") ?? its.find((i) => i.state === "next" || i.state === "future") ?? its[its.length - 1];
    if (v.iteration === undefined && current) v.iteration = current;
    if (v.carriedOver === undefined) {
      const closed = its.filter((i) => i.state === "closed").length;
      v.carriedOver = Math.max(0, closed - (done && current?.state === "closed" ? 1 : 0));
    }
  }
  return v;
}

/** Parses a whole JSONL text; blank lines are skipped. */
export function parseJsonl(text: string): Issue[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l) => issueFromJsonl(JSON.parse(l)));
}
