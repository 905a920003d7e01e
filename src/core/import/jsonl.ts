/**
 * Our JSONL shape (one issue per line, as in the labelled eval files):
 * `id` and `title` required; `body`, `labels`, `type`, `priority`, `estimate`,
 * `url`, `tracker` optional. A full `Issue` object is accepted too.
 */
import { z } from "zod";
import { IssueSchema, TrackerSchema, type Issue } from "../types";

export const JsonlRowSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    title: z.string(),
    body: z.string().nullable().optional(),
    labels: z.array(z.union([z.string(), z.object({ name: z.string() }).transform((l) => l.name)])).nullable().optional(),
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
export type JsonlRow = z.infer<typeof JsonlRowSchema>;

/**
 * Converts one parsed JSONL object into an `Issue`. Throws a ZodError when
 * the row lacks `id`/`title` or has wrongly typed fields.
 *
 * @example
 * issueFromJsonl({ id: "acme#1", title: "Crash on save", labels: ["bug"] }).key // "acme#1"
 */
export function issueFromJsonl(value: unknown): Issue {
  if (value && typeof value === "object" && "externalId" in value && "key" in value) return IssueSchema.parse(value);
  const row = JsonlRowSchema.parse(value);
  const tracker = TrackerSchema.safeParse(row.tracker);
  return IssueSchema.parse({
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

/** Parses a whole JSONL text; blank lines are skipped. */
export function parseJsonl(text: string): Issue[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l) => issueFromJsonl(JSON.parse(l)));
}
